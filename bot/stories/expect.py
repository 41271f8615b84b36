"""``expect:``: the CRM effects a story must leave behind, read back from its store.

Each record is the latest of its kind for the story's customer (the contact of its
conversation, which follows a merge with a known contact), so a story that books and then
reschedules checks the call as it ended up.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from bot.stories.checks import StepFailed
from bot.stories.model import Expectation
from bot.stories.stage import Stage
from crm_store.clock import parse_instant
from crm_store.models import (
    Contact,
    Conversation,
    DomainEvent,
    FollowUp,
    Lead,
    Rep,
    SurveyRequest,
    UnansweredQuestion,
)
from crm_store.uow import UnitOfWork

# Story names for columns whose store name says less to a business author.
_BOOKING = {"at": "starts_at", "ends": "ends_at", "timezone": "customer_timezone"}
_CONTACT = {"opted_out": "marketing_opt_out"}
_INSTANTS = frozenset({"at", "ends"})


async def check_expectations(
    world: Stage, conversation_id: int | None, expectations: tuple[Expectation, ...]
) -> None:
    if not expectations:
        return
    problems: list[str] = []
    found: list[str] = []
    async with world.uow() as uow:
        conversation = (
            await uow.session.get(Conversation, conversation_id) if conversation_id else None
        )
        for expectation in expectations:
            if expectation.record == "unanswered":
                count = await uow.session.scalar(select(func.count(UnansweredQuestion.id)))
                wanted = dict(expectation.fields)["count"]
                if count != wanted:
                    problems.append(f"unanswered: {wanted} questions, not {count}")
                continue
            if conversation is None:
                problems.append(f"{expectation.record}: the customer never said anything")
                continue
            actual = await _record(uow, expectation.record, conversation, world)
            if expectation.absent:
                if actual is not None:
                    problems.append(f"no {expectation.record}")
                    found.append(_show(expectation.record, actual))
                continue
            if actual is None:
                problems.append(f"a {expectation.record}, found none")
                continue
            wrong = [
                f"{key} {_quote(value)}, not {_quote(actual.get(key))}"
                for key, value in expectation.fields
                if not _same(key, value, actual.get(key))
            ]
            if wrong:
                problems.append(f"{expectation.record}: " + ", ".join(wrong))
                found.append(_show(expectation.record, actual))
    if problems:
        raise StepFailed("expect: " + "; ".join(problems), tuple(found))


async def _record(
    uow: UnitOfWork, record: str, conversation: Conversation, world: Stage
) -> dict[str, Any] | None:
    """The latest record of this kind as the fields a story may name, or None."""
    contact_id = conversation.contact_id
    session = uow.session
    if record == "contact":
        contact = await session.get(Contact, contact_id)
        if contact is None:
            return None
        erasures = await session.scalars(
            select(DomainEvent.data).where(DomainEvent.type == "contact.erased")
        )
        erased = any(data.get("contact_id") == contact_id for data in erasures)
        return {**_columns(contact, _CONTACT), "erased": erased}
    if record == "conversation":
        values = _columns(conversation, {})
        values["rep"] = await _rep_name(uow, conversation.assigned_rep_id)
        return values
    if record == "lead":
        lead = await session.scalar(
            select(Lead).where(Lead.contact_id == contact_id).order_by(Lead.id.desc()).limit(1)
        )
        if lead is None:
            return None
        return {**lead.answers, **_columns(lead, {})}
    if record == "booking":
        call = await session.scalar(
            select(FollowUp)
            .join(Lead, Lead.id == FollowUp.lead_id)
            .where(Lead.contact_id == contact_id)
            .order_by(FollowUp.id.desc())
            .limit(1)
        )
        if call is None:
            return None
        values = _columns(call, _BOOKING)
        values["rep"] = await _rep_name(uow, call.rep_id)
        return values
    request = await session.scalar(
        select(SurveyRequest)
        .where(SurveyRequest.contact_id == contact_id)
        .order_by(SurveyRequest.id.desc())
        .limit(1)
    )
    if request is None:
        return None
    values = _columns(request, {})
    by_kind = {r.kind: r for r in await uow.surveys.responses(request.id)}
    for question in world.troupe.content.survey.questions:
        response = by_kind.get(question.kind)
        answer = None if response is None else response.comment or response.score
        values[question.kind] = values[question.id] = answer
    return values


def _columns(row: Any, renames: dict[str, str]) -> dict[str, Any]:
    values = {column.key: getattr(row, column.key) for column in row.__table__.columns}
    for story_name, column in renames.items():
        values[story_name] = values.pop(column)
    return values


async def _rep_name(uow: UnitOfWork, rep_id: int | None) -> str | None:
    rep = await uow.session.get(Rep, rep_id) if rep_id is not None else None
    return rep.name if rep else None


def _same(key: str, expected: Any, actual: Any) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if key in _INSTANTS and isinstance(actual, datetime):
        return parse_instant(str(expected)) == actual
    if isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, int | float) and not isinstance(actual, date):
        try:
            return float(actual) == float(expected)
        except (TypeError, ValueError):
            return False
    return str(actual) == str(expected)


def _quote(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return f'"{value}"' if isinstance(value, str) else str(value)


def _show(record: str, values: dict[str, Any]) -> str:
    hidden = {"id", "contact_id", "lead_id", "rep_id", "request_id", "state", "answers"}
    shown = ", ".join(
        f"{k}={_quote(v)}" for k, v in values.items() if k not in hidden and v not in (None, {})
    )
    return f"{record}: {shown}"
