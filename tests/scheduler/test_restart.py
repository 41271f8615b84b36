"""Work that came due while the process was down runs once on start (#7).

The scheduler runs with APScheduler as in the app; its first round runs at start-up. The
process is "stopped" (the scheduler shut down) for 10 simulated minutes across a due
reminder; the next start sends it, exactly once, and later rounds send nothing more.
"""

from __future__ import annotations

from datetime import timedelta

from bot.outbox import Outbox
from bot.scheduler.runner import JOB_ID, Scheduler
from bot.settings.scheduler import SchedulerSettings
from crm_store.clock import FakeClock
from crm_store.database import Database
from tests.driver import RecordingAdapter
from tests.scheduler.support import DANIEL, book_call, make_runner, staff_outbox, tasks

# Only the start-up round runs within a test; later rounds are called explicitly.
SLOW = SchedulerSettings(poll_interval_seconds=3600)


def scheduler(db: Database, clock: FakeClock, settings, content, webchat):  # noqa: ANN001, ANN201
    outbox = Outbox(db, clock, {"webchat": webchat})
    runner = make_runner(db, clock, settings, content, outbox=outbox, config=SLOW)
    staff, channel = staff_outbox(db, clock)
    return Scheduler(runner, staff=staff, config=SLOW), channel


async def test_a_reminder_due_while_down_is_sent_once_on_start(
    seeded_db: Database,
    clock: FakeClock,
    settings,  # noqa: ANN001
    content,  # noqa: ANN001
) -> None:
    webchat = RecordingAdapter("webchat")
    start = clock.now() + timedelta(minutes=20)
    await book_call(seeded_db, clock, rep_id=DANIEL, starts_at=start, zone="America/New_York")
    [reminder] = await tasks(seeded_db, clock, "followup.reminder")
    assert reminder.due_at == clock.now() + timedelta(minutes=5)  # 15 min before the call

    first, _ = scheduler(seeded_db, clock, settings, content, webchat)
    await first.start()
    await first.wait_rounds(1)
    await first.stop()
    assert webchat.sent == []  # not due yet

    clock.advance(minutes=10)  # down from +0 to +10; the reminder came due at +5

    second, channel = scheduler(seeded_db, clock, settings, content, webchat)
    await second.start()
    try:
        assert [job.id for job in second._aps.get_jobs()] == [JOB_ID]  # type: ignore[union-attr]
        await second.wait_rounds(1)
        assert len(webchat.sent) == 1 and len(channel.sent) == 1
        await second.tick()  # a later wake-up: nothing is sent again
        clock.advance(minutes=1)
        await second.tick()
    finally:
        await second.stop()
    assert len(webchat.sent) == 1 and len(channel.sent) == 1
    [done] = await tasks(seeded_db, clock, "followup.reminder")
    assert (done.state, done.attempts) == ("done", 1)


async def test_a_restart_keeps_one_job(
    seeded_db: Database,
    clock: FakeClock,
    settings,  # noqa: ANN001
    content,  # noqa: ANN001
) -> None:
    service, _ = scheduler(seeded_db, clock, settings, content, RecordingAdapter())
    await service.start()
    try:
        await service.wait_rounds(1)
        service.wake()  # moves the fixed job; never adds a second one
        await service.wait_rounds(2)
        assert [job.id for job in service._aps.get_jobs()] == [JOB_ID]  # type: ignore[union-attr]
    finally:
        await service.stop()
