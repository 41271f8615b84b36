"""Finding everything about one person: the ids that export and erasure both start from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import DeclarativeBase

from crm_store.errors import NotFound
from crm_store.models import (
    AuditLog,
    ChannelIdentity,
    Contact,
    Conversation,
    FollowUp,
    Lead,
    SurveyRequest,
)
from crm_store.models.ops import EmailMessage, SlackCard, StaffMessage
from crm_store.repositories.personal_data import staff_messages_about
from crm_store.uow import UnitOfWork


@dataclass(frozen=True)
class PersonIds:
    contact_id: int
    email: str | None
    phone: str | None
    identities: tuple[tuple[str, str], ...]  # (channel, external id)
    conversation_ids: tuple[int, ...]
    lead_ids: tuple[int, ...]
    follow_up_ids: tuple[int, ...]
    survey_request_ids: tuple[int, ...]


async def person_ids(uow: UnitOfWork, contact_id: int) -> PersonIds:
    s = uow.session
    contact = await s.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"contact {contact_id} not found")

    async def ids(stmt: Select[Any]) -> tuple[Any, ...]:
        return tuple((await s.scalars(stmt)).all())

    lead_ids = await ids(select(Lead.id).where(Lead.contact_id == contact_id).order_by(Lead.id))
    identities = (
        await s.execute(
            select(ChannelIdentity.channel, ChannelIdentity.external_id)
            .where(ChannelIdentity.contact_id == contact_id)
            .order_by(ChannelIdentity.id)
        )
    ).all()
    return PersonIds(
        contact_id=contact_id,
        email=contact.email,
        phone=contact.phone,
        identities=tuple((channel, external) for channel, external in identities),
        conversation_ids=await ids(
            select(Conversation.id)
            .where(Conversation.contact_id == contact_id)
            .order_by(Conversation.id)
        ),
        lead_ids=lead_ids,
        follow_up_ids=await ids(
            select(FollowUp.id).where(FollowUp.lead_id.in_(lead_ids)).order_by(FollowUp.id)
        ),
        survey_request_ids=await ids(
            select(SurveyRequest.id)
            .where(SurveyRequest.contact_id == contact_id)
            .order_by(SurveyRequest.id)
        ),
    )


def staff_messages_stmt(p: PersonIds) -> Select[tuple[StaffMessage]]:
    about = staff_messages_about(
        p.contact_id,
        list(p.conversation_ids),
        list(p.lead_ids),
        list(p.follow_up_ids),
        p.email,
        p.phone,
    )
    return select(StaffMessage).where(about).order_by(StaffMessage.id)


def slack_cards_stmt(p: PersonIds) -> Select[tuple[SlackCard]]:
    return (
        select(SlackCard)
        .where(
            or_(
                SlackCard.conversation_id.in_(p.conversation_ids),
                SlackCard.lead_id.in_(p.lead_ids),
            )
        )
        .order_by(SlackCard.id)
    )


def emails_stmt(p: PersonIds) -> Select[tuple[EmailMessage]]:
    to_them = EmailMessage.contact_id == p.contact_id
    if p.email:
        to_them = or_(to_them, func.lower(EmailMessage.to_address) == p.email.lower())
    return select(EmailMessage).where(to_them).order_by(EmailMessage.id)


def audit_stmt(p: PersonIds) -> Select[tuple[AuditLog]]:
    targets = [("contact", [p.contact_id]), ("lead", p.lead_ids)]
    targets += [("conversation", p.conversation_ids), ("follow_up", p.follow_up_ids)]
    targets += [("survey", p.survey_request_ids)]
    conditions = [
        (AuditLog.target_type == kind) & AuditLog.target_id.in_([str(i) for i in ids])
        for kind, ids in targets
        if ids
    ]
    return select(AuditLog).where(or_(*conditions)).order_by(AuditLog.id)


def row_dict(row: DeclarativeBase, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every column of a row, JSON-ready (datetimes as ISO 8601)."""
    out: dict[str, Any] = {}
    for column in row.__table__.columns:  # type: ignore[attr-defined]
        if column.key in skip:
            continue
        out[column.key] = jsonable(getattr(row, column.key))
    return out


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
