"""What a booking turn writes: book, move or cancel a call, with its lead and reminders.

Each action leaves the store consistent on its own; a refused overlap (``FollowUpOverlap``)
is raised to the flow with nothing half-written.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_store.models import FollowUp, FollowUpStatus
from dialogs.core.turn import Turn
from dialogs.flows.booking import records
from dialogs.flows.booking.calendar import Calendars
from dialogs.flows.booking.slots import SlotRules


def now(turn: Turn) -> datetime:
    return turn.services.clock.now()


def contact_zone(turn: Turn) -> str | None:
    """The contact's zone, if it is one zoneinfo knows."""
    zone = turn.contact.timezone
    if not zone:
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return zone


def display_zone(turn: Turn, call: FollowUp | None = None) -> str:
    """The zone to show times in: the contact's, else the call's, else the business's."""
    fallback = call.customer_timezone if call else turn.services.settings.business.timezone
    return contact_zone(turn) or fallback


async def upcoming(turn: Turn) -> list[FollowUp]:
    return await turn.uow.follow_ups.upcoming_for_contact(turn.contact.id, now(turn))


async def own_call(turn: Turn, call_id: object) -> FollowUp | None:
    """The customer's active call with this id; never another customer's."""
    return next((c for c in await upcoming(turn) if c.id == call_id), None)


async def rep_name(turn: Turn, rep_id: int) -> str:
    return (await turn.uow.reps.get(rep_id)).name


async def calendars(turn: Turn) -> Calendars:
    data = turn.state.data
    preferred = data.get("rep")
    if preferred is None:
        lead = await turn.uow.leads.open_for_contact(turn.contact.id)
        preferred = lead.owner_rep_id if lead else None
    return await Calendars.load(
        turn.uow,
        SlotRules.of(turn.content.booking),
        now(turn),
        lang=turn.lang,
        preferred_rep_id=preferred,
        ignore_follow_up_id=data.get("fu") if data.get("mode") == "reschedule" else None,
    )


async def book(turn: Turn, rep_id: int, start: datetime, end: datetime, zone: str) -> FollowUp:
    uow, contact = turn.uow, turn.contact
    # One savepoint: a refused overlap must not leave a fresh, empty lead behind.
    async with uow.session.begin_nested():
        lead = await records.lead_to_book(uow, contact, turn.conversation, turn.state.campaign)
        call = await uow.follow_ups.book(
            lead_id=lead.id, rep_id=rep_id, starts_at=start, ends_at=end, customer_timezone=zone
        )
    await records.mark_booked(uow, lead, rep_id)
    offsets = turn.content.booking.reminder_offsets_minutes
    await records.schedule_reminders(uow, contact.id, call, offsets, now(turn))
    return call


async def move(
    turn: Turn, call: FollowUp, rep_id: int, start: datetime, end: datetime, zone: str
) -> FollowUp:
    uow, contact = turn.uow, turn.contact
    call_id = call.id
    if rep_id == call.rep_id:
        moved = await uow.follow_ups.reschedule(call, start, end)
    else:
        # The call's rep cannot take the new time: a new call with another rep replaces it.
        moved = await uow.follow_ups.book(
            lead_id=call.lead_id,
            rep_id=rep_id,
            starts_at=start,
            ends_at=end,
            customer_timezone=zone,
        )
        await uow.follow_ups.set_status(call, FollowUpStatus.CANCELLED)
    await records.cancel_reminders(uow, contact.id, call_id)
    offsets = turn.content.booking.reminder_offsets_minutes
    await records.schedule_reminders(uow, contact.id, moved, offsets, now(turn))
    return moved


async def cancel(turn: Turn, call: FollowUp) -> None:
    await turn.uow.follow_ups.set_status(call, FollowUpStatus.CANCELLED)
    await records.cancel_reminders(turn.uow, turn.contact.id, call.id)
    await records.release_lead(turn.uow, call.lead_id, now(turn))
