"""Recurring jobs (weekly digest, retention): one row per occurrence, run once after
downtime, the next one scheduled in the business's zone across DST (#7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.scheduler.handlers import default_handlers
from bot.scheduler.handlers import recurring as rec
from bot.scheduler.handlers.recurring import DIGEST, RETENTION, next_occurrence
from bot.scheduler.runner import Scheduler
from bot.settings.scheduler import SchedulerSettings
from crm_store.clock import FakeClock
from crm_store.database import Database
from tests.scheduler.support import make_runner, staff_rows, tasks

CONFIG = SchedulerSettings()  # digest Mondays 08:00, retention daily 03:30


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_next_occurrences_follow_the_business_wall_clock_across_dst() -> None:
    zone = "America/New_York"
    # Monday 8 a.m. in New York: 13:00 UTC in winter, 12:00 UTC after 8 March.
    assert next_occurrence(DIGEST, utc(2026, 3, 2, 12, 0), zone, CONFIG) == utc(2026, 3, 2, 13)
    assert next_occurrence(DIGEST, utc(2026, 3, 2, 13, 0), zone, CONFIG) == utc(2026, 3, 9, 12)
    # Retention at 03:30: the night of the change it is still 03:30 local (07:30 UTC).
    assert next_occurrence(RETENTION, utc(2026, 3, 7, 9), zone, CONFIG) == utc(2026, 3, 8, 7, 30)
    assert next_occurrence(RETENTION, utc(2026, 3, 6, 9), zone, CONFIG) == utc(2026, 3, 7, 8, 30)


async def test_a_digest_missed_while_down_runs_once_and_schedules_the_next(
    seeded_db: Database,
    clock: FakeClock,
    settings,  # noqa: ANN001
    content,  # noqa: ANN001
) -> None:
    runs: list[datetime] = []

    async def digest(
        uow: Any, now: datetime, settings: Any, content: Any
    ) -> tuple[str, dict[str, Any]]:
        runs.append(now)
        return "Last week: 3 leads", {"fields": [["Leads", "3"]]}

    runner = make_runner(seeded_db, clock, settings, content)
    runner.handlers[DIGEST] = rec.recurring_handler(DIGEST, rec.digest_job(digest))
    service = Scheduler(runner, config=CONFIG)
    await service.ensure_recurring()
    await service.ensure_recurring()  # every start does this: still one row
    [first] = await tasks(seeded_db, clock, DIGEST)
    assert first.due_at == utc(2026, 3, 9, 12)  # next Monday 08:00 New York (EDT)

    clock.set(utc(2026, 3, 17, 9))  # down for over two weeks: two Mondays were missed
    assert (await runner.run_due()).kinds == [DIGEST]
    assert runs == [clock.now()]
    [message] = await staff_rows(seeded_db, clock)
    assert (message.target, message.kind, message.text) == (
        "managers",
        "digest",
        "Last week: 3 leads",
    )
    states = [(t.state, t.due_at) for t in await tasks(seeded_db, clock, DIGEST)]
    assert states == [("done", utc(2026, 3, 9, 12)), ("pending", utc(2026, 3, 23, 12))]


async def test_the_real_digest_and_retention_run_as_tasks(
    seeded_db: Database,
    clock: FakeClock,
    settings,  # noqa: ANN001
    content,  # noqa: ANN001
) -> None:
    runner = make_runner(seeded_db, clock, settings, content)
    handlers = default_handlers()
    for kind in (DIGEST, RETENTION):
        runner.handlers[kind] = handlers[kind]
    await Scheduler(runner, config=CONFIG).ensure_recurring()
    clock.advance(days=8)
    result = await runner.run_due()
    assert sorted(result.kinds) == [DIGEST, RETENTION] and result.failed == 0
    assert [m.kind for m in await staff_rows(seeded_db, clock)] == ["digest"]
    pending = {t.kind: t.due_at for t in await tasks(seeded_db, clock) if t.state == "pending"}
    assert set(pending) == {DIGEST, RETENTION} and min(pending.values()) > clock.now()
    assert max(pending.values()) - clock.now() <= timedelta(days=7)
