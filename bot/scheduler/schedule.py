"""Scheduling the tasks this package runs (public: the Slack desk and flows call these).

Every task about a contact has a dedupe key starting ``contact:<id>:``, so an opt-out or an
erasure (``uow.tasks.cancel(dedupe_prefix=f"contact:{id}:")``) cancels them all, and
scheduling twice for the same cause schedules once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from crm_store.models import FollowUp, ScheduledTask, TaskState
from crm_store.uow import UnitOfWork
from dialogs.flows.booking.records import reminder_prefix

CHECK_KIND = "followup.check"
SURVEY_DISPATCH = "survey.dispatch"
SURVEY_REMINDER = "survey.reminder"
SURVEY_EXPIRE = "survey.expire"
HANDOFF_REANNOUNCE = "handoff.reannounce"
HANDOFF_ESCALATE = "handoff.escalate"


async def schedule_once(
    uow: UnitOfWork, kind: str, due: datetime, payload: dict[str, Any], key: str
) -> ScheduledTask:
    """A pending task under ``key``; if that key is used up (done, cancelled), the next free
    suffix (``key:2``...), the way booking_records keeps reminder keys of moved calls."""
    task: ScheduledTask | None = None
    for attempt in range(1, 50):
        candidate = key if attempt == 1 else f"{key}:{attempt}"
        task = await uow.tasks.schedule(kind, due, payload, dedupe_key=candidate)
        if task.state == TaskState.PENDING.value and task.due_at == due:
            break
    assert task is not None
    return task


async def ensure_followup_check(
    uow: UnitOfWork, contact_id: int, follow_up: FollowUp, now: datetime
) -> ScheduledTask | None:
    """The rep's "did the call happen?" at the call's end, once per end time.

    Its key shares the call's reminder prefix, so moving or cancelling the call (which
    cancels that prefix) cancels it too; the move's ``followup.rescheduled`` event then
    schedules it again at the new end.
    """
    if follow_up.ends_at <= now or follow_up.status not in ("booked", "rescheduled"):
        return None
    key = f"{reminder_prefix(contact_id, follow_up.id)}check"
    existing = await uow.session.scalars(
        select(ScheduledTask).where(
            ScheduledTask.kind == CHECK_KIND,
            ScheduledTask.dedupe_key.startswith(key, autoescape=True),
            ScheduledTask.state != TaskState.CANCELLED.value,
        )
    )
    if any(task.due_at == follow_up.ends_at for task in existing.all()):
        return None
    return await schedule_once(
        uow, CHECK_KIND, follow_up.ends_at, {"follow_up_id": follow_up.id}, key
    )


async def schedule_survey(
    uow: UnitOfWork,
    *,
    contact_id: int,
    conversation_id: int,
    trigger: str,
    trigger_ref: str,
    due_at: datetime,
) -> ScheduledTask:
    """Survey the customer at ``due_at`` (after a resolved handoff: ``trigger="handoff"``,
    ``trigger_ref=f"handoff:{card_id}"``). Never twice for one trigger: the key is
    ``contact:<id>:survey:<trigger_ref>`` (as the Slack desk writes it)."""
    payload = {"conversation_id": conversation_id, "trigger": trigger, "trigger_ref": trigger_ref}
    key = f"contact:{contact_id}:survey:{trigger_ref}"
    return await uow.tasks.schedule(SURVEY_DISPATCH, due_at, payload, dedupe_key=key)


async def schedule_handoff_followups(
    uow: UnitOfWork,
    *,
    card_id: int,
    conversation_id: int,
    contact_id: int,
    requested_at: datetime,
    settings: Any,
) -> list[ScheduledTask]:
    """Re-announce an unclaimed handoff card after N minutes and escalate it after M
    (``handoff.reannounce_after_minutes`` / ``escalate_after_minutes``). Call it when the
    card is posted; the handlers do nothing once the card is claimed."""
    config = settings.handoff
    payload = {"card_id": card_id, "conversation_id": conversation_id}
    prefix = f"contact:{contact_id}:handoff:{card_id}:"
    return [
        await uow.tasks.schedule(
            HANDOFF_REANNOUNCE,
            requested_at + timedelta(minutes=config.reannounce_after_minutes),
            payload,
            dedupe_key=f"{prefix}reannounce",
        ),
        await uow.tasks.schedule(
            HANDOFF_ESCALATE,
            requested_at + timedelta(minutes=config.escalate_after_minutes),
            payload,
            dedupe_key=f"{prefix}escalate",
        ),
    ]


async def schedule_survey_followups(
    uow: UnitOfWork, *, contact_id: int, request_id: int, sent_at: datetime, settings: Any
) -> None:
    """The reminder of an unanswered survey and its expiry (``survey.*_after_hours``)."""
    survey = settings.survey
    payload = {"request_id": request_id}
    prefix = f"contact:{contact_id}:survey_request:{request_id}:"
    await uow.tasks.schedule(
        SURVEY_REMINDER,
        sent_at + timedelta(hours=survey.reminder_after_hours),
        payload,
        dedupe_key=f"{prefix}reminder",
    )
    await uow.tasks.schedule(
        SURVEY_EXPIRE,
        sent_at + timedelta(hours=survey.expire_after_hours),
        payload,
        dedupe_key=f"{prefix}expire",
    )
