"""The CRM side of a booking: the lead, the customer's calls, and the reminder tasks.

Reminder tasks carry dedupe keys starting ``contact:<id>:followup:<id>:`` so that moving or
cancelling a call (or a privacy opt-out, which cancels ``contact:<id>:``) cancels them all.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from crm_store.models import Contact, Conversation, FollowUp, Lead, LeadStatus, TaskState
from crm_store.uow import UnitOfWork

REMINDER_KIND = "followup.reminder"
_BOOKABLE = (LeadStatus.NEW.value, LeadStatus.QUALIFIED.value)


async def lead_to_book(
    uow: UnitOfWork, contact: Contact, conversation: Conversation, campaign: str | None
) -> Lead:
    lead = await uow.leads.open_for_contact(contact.id)
    if lead is None:
        lead = await uow.leads.create(
            contact.id, source_channel=conversation.channel, campaign=campaign
        )
    return lead


async def mark_booked(uow: UnitOfWork, lead: Lead, rep_id: int) -> None:
    if lead.status in _BOOKABLE:
        await uow.leads.transition(lead, LeadStatus.MEETING_BOOKED)
    if lead.owner_rep_id is None:
        await uow.leads.update(lead, owner_rep_id=rep_id)


async def release_lead(uow: UnitOfWork, lead_id: int, now: datetime) -> None:
    """A cancelled meeting sends the lead back to qualified, unless another call remains."""
    lead = await uow.leads.get(lead_id)
    if lead.status != LeadStatus.MEETING_BOOKED.value:
        return
    remaining = [
        f for f in await uow.follow_ups.for_lead(lead_id, active_only=True) if f.ends_at > now
    ]
    if not remaining:
        await uow.leads.transition(lead, LeadStatus.QUALIFIED)


def reminder_prefix(contact_id: int, follow_up_id: int) -> str:
    return f"contact:{contact_id}:followup:{follow_up_id}:"


async def schedule_reminders(
    uow: UnitOfWork, contact_id: int, follow_up: FollowUp, offsets: tuple[int, ...], now: datetime
) -> None:
    for offset in offsets:
        due = follow_up.starts_at - timedelta(minutes=offset)
        if due <= now:
            continue  # a call booked for in two hours gets no "tomorrow" reminder
        key = f"{reminder_prefix(contact_id, follow_up.id)}reminder:{offset}"
        payload = {"follow_up_id": follow_up.id, "offset_minutes": offset}
        # A moved call reuses its keys; the earlier (cancelled or sent) task keeps its key,
        # so the fresh one takes the next free suffix.
        for attempt in range(1, 50):
            candidate = key if attempt == 1 else f"{key}:{attempt}"
            task = await uow.tasks.schedule(REMINDER_KIND, due, payload, dedupe_key=candidate)
            if task.state == TaskState.PENDING.value and task.due_at == due:
                break


async def cancel_reminders(uow: UnitOfWork, contact_id: int, follow_up_id: int) -> int:
    return await uow.tasks.cancel(dedupe_prefix=reminder_prefix(contact_id, follow_up_id))
