"""Moving a call moves its reminders and the rep's check; cancelling removes them (#7).

Booked, moved and cancelled through the real booking flow; the scheduler then runs at every
instant where something was or is due, so a reminder left at the old time would show.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.hub import ConversationHub
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import FollowUp
from crm_store.uow import UnitOfWork
from tests.driver import Chat, RecordingAdapter
from tests.scheduler.support import consumer, make_runner, staff_outbox, tasks


async def the_call(db: Database, clock: FakeClock) -> FollowUp:
    async with UnitOfWork(db, clock) as uow:
        [call] = (await uow.session.scalars(select(FollowUp))).all()
        return call


async def book(chat: Chat) -> None:
    await chat.say("I'd like to book a call")
    await chat.say("London")
    await chat.click([p for p in chat.payloads() if p.startswith("book:slot:")][0])
    await chat.say("Jo Smith")  # #16: who is booked is asked before confirming
    await chat.say("jo@example.com")


def reminder_times(start: datetime, now: datetime) -> list[datetime]:
    return [start - timedelta(minutes=m) for m in (1440, 15) if start - timedelta(minutes=m) > now]


async def pending(db: Database, clock: FakeClock) -> list[tuple[str, datetime]]:
    return [(t.kind, t.due_at) for t in await tasks(db, clock) if t.state == "pending"]


async def test_reschedule_moves_reminders_and_check(
    chat: Chat,
    hub: ConversationHub,
    seeded_db: Database,
    clock: FakeClock,
    settings,  # noqa: ANN001
    content,  # noqa: ANN001
    adapters: dict[str, RecordingAdapter],
) -> None:
    db = seeded_db
    events = consumer(db, clock, settings, content)
    runner = make_runner(db, clock, settings, content, hub=hub)
    staff, channel = staff_outbox(db, clock)
    await book(chat)
    await events.run_once()  # the followup.booked event schedules the rep's check
    old = await the_call(db, clock)
    old_times = reminder_times(old.starts_at, clock.now())
    assert await pending(db, clock) == sorted(
        [("followup.reminder", t) for t in old_times] + [("followup.check", old.ends_at)],
        key=lambda p: p[1],
    )

    await chat.say("reschedule my call")
    await chat.click([p for p in chat.payloads() if p.startswith("book:slot:")][0])
    await events.run_once()

    moved = await the_call(db, clock)
    assert moved.starts_at != old.starts_at
    new_times = reminder_times(moved.starts_at, clock.now())
    assert await pending(db, clock) == sorted(
        [("followup.reminder", t) for t in new_times] + [("followup.check", moved.ends_at)],
        key=lambda p: p[1],
    )
    cancelled = [(t.kind, t.due_at) for t in await tasks(db, clock) if t.state == "cancelled"]
    assert ("followup.check", old.ends_at) in cancelled

    sent_before = len(adapters["webchat"].sent)
    for moment in sorted({*old_times, old.ends_at, *new_times, moved.ends_at}):
        clock.set(moment)
        await runner.run_due()
    await staff.deliver_due()
    reminders = [s.reply.text for s in adapters["webchat"].sent[sent_before:]]
    assert len(reminders) == len(new_times)
    assert all(r.startswith("Reminder") and f"{moved.starts_at:%H:%M}" in r for r in reminders)
    kinds = [m.kind for m in channel.sent]
    assert kinds == ["reminder"] * len(new_times) + ["followup_check"]
    assert channel.sent[-1].content["buttons"][0]["payload"] == f"followup:done:{moved.id}"


async def test_cancel_removes_reminders_and_check(
    chat: Chat,
    hub: ConversationHub,
    seeded_db: Database,
    clock: FakeClock,
    settings,  # noqa: ANN001
    content,  # noqa: ANN001
    adapters: dict[str, RecordingAdapter],
) -> None:
    db = seeded_db
    events = consumer(db, clock, settings, content)
    runner = make_runner(db, clock, settings, content, hub=hub)
    await book(chat)
    await events.run_once()
    call = await the_call(db, clock)
    assert len(await pending(db, clock)) >= 2

    await chat.say("cancel my call")
    await chat.click(f"book:cancel_yes:{call.id}")
    await events.run_once()

    assert await pending(db, clock) == []
    sent_before = len(adapters["webchat"].sent)
    clock.set(call.ends_at + timedelta(days=1))
    assert (await runner.run_due()).ran == 0
    assert len(adapters["webchat"].sent) == sent_before
