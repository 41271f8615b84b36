"""``running_scheduler(runtime)``: what the app's lifespan runs (#7)."""

from __future__ import annotations

from datetime import timedelta

from bot.runtime import Runtime
from bot.scheduler.runner import running_scheduler
from bot.settings.scheduler import SchedulerSettings
from bot.staff import InMemoryStaff
from crm_store.clock import FakeClock
from crm_store.database import Database
from dialogs.nlu import NluService
from tests.driver import RecordingAdapter
from tests.scheduler.support import DANIEL, book_call


async def test_the_lifespan_scheduler_sends_what_is_due_through_the_runtime(
    seeded_db: Database,
    clock: FakeClock,
    settings,  # noqa: ANN001
    content,  # noqa: ANN001
    understanding: NluService,  # trained models on disk for runtime.start()
) -> None:
    webchat = RecordingAdapter("webchat")
    runtime = Runtime(settings=settings, content=content, db=seeded_db, clock=clock)
    runtime.adapters["webchat"] = webchat
    staff = InMemoryStaff()
    runtime.staff = staff  # type: ignore[attr-defined]  # as channels/slack attach() does
    start = clock.now() + timedelta(minutes=20)
    await book_call(seeded_db, clock, rep_id=DANIEL, starts_at=start, zone="America/New_York")
    clock.advance(minutes=6)
    await runtime.start()
    async with running_scheduler(
        runtime, config=SchedulerSettings(poll_interval_seconds=3600)
    ) as s:
        assert s is not None
        await s.wait_rounds(1)
    assert len(webchat.sent) == 1 and [m.kind for m in staff.sent] == ["reminder"]
    async with running_scheduler(runtime, config=SchedulerSettings(enabled=False)) as off:
        assert off is None
