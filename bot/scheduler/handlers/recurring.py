"""Recurring jobs: the weekly digest for managers and the data-retention run.

Each occurrence is one task row with a dedupe key naming its date, so two workers schedule
it once, and one that came due while the process was down runs once on start (the next one
is then scheduled from now, never a backlog). The jobs themselves are written elsewhere:

- ``digest.weekly``: ``bot.reports.digest.build_weekly_digest(uow, now, settings, content)``
  returns ``(text, content)``, posted to the managers' channel as a ``digest`` staff message.
- ``retention.run``: ``bot.privacy.retention.run_retention(uow, now, settings)``.

A job is ``(ctx, task) -> more``: ``more`` asks for the next run soon rather than at the
next occurrence (a retention run that hit its batch limit).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.privacy.retention import run_retention
from bot.reports.digest import build_weekly_digest
from bot.scheduler.context import TaskContext, TaskHandler
from bot.scheduler.produce import add_staff_message
from bot.settings.scheduler import SchedulerSettings
from crm_store.models import ScheduledTask
from crm_store.uow import UnitOfWork

log = logging.getLogger(__name__)

DIGEST, RETENTION = "digest.weekly", "retention.run"
Job = Callable[[TaskContext, ScheduledTask], Awaitable[bool]]


def digest_job(build: Callable[..., Awaitable[tuple[str, dict[str, Any]]]]) -> Job:
    async def job(ctx: TaskContext, task: ScheduledTask) -> bool:
        text, extras = await build(ctx.uow, ctx.now, ctx.settings, ctx.content)
        await add_staff_message(
            ctx.uow,
            target="managers",
            kind="digest",
            text=text,
            content=extras,
            dedupe_key=f"task:{task.id}:digest",
        )
        return False

    return job


async def retention_job(ctx: TaskContext, task: ScheduledTask) -> bool:
    return (await run_retention(ctx.uow, ctx.now, ctx.settings)).more


JOBS: dict[str, Job] = {DIGEST: digest_job(build_weekly_digest), RETENTION: retention_job}
CONTINUE_AFTER = timedelta(minutes=5)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def next_occurrence(kind: str, after: datetime, zone: str, config: SchedulerSettings) -> datetime:
    """The next wall-clock time in the business zone strictly after ``after``."""
    tz = ZoneInfo(zone)
    local = after.astimezone(tz)
    spec = config.digest_time if kind == DIGEST else config.retention_time
    at = time.fromisoformat(spec)
    day: date = local.date()
    for _ in range(9):
        candidate = datetime.combine(day, at, tz)
        weekday_ok = kind != DIGEST or _WEEKDAYS[day.weekday()] == config.digest_weekday
        if weekday_ok and candidate > local:
            return candidate.astimezone(after.tzinfo)
        day += timedelta(days=1)
    raise AssertionError("unreachable: a weekday recurs within 8 days")


async def ensure_scheduled(
    uow: UnitOfWork,
    kind: str,
    now: datetime,
    zone: str,
    config: SchedulerSettings,
    *,
    due: datetime | None = None,
) -> ScheduledTask:
    """The pending occurrence of ``kind``, or the next one after ``now`` (or at ``due``)."""
    pending = await uow.tasks.pending(kind)
    if pending:
        return pending[0]
    due = due or next_occurrence(kind, now, zone, config)
    return await uow.tasks.schedule(
        kind, due, {}, dedupe_key=f"recurring:{kind}:{due:%Y-%m-%dT%H:%M}"
    )


def recurring_handler(kind: str, job: Job) -> TaskHandler:
    async def handler(ctx: TaskContext, task: ScheduledTask) -> None:
        more = await job(ctx, task)
        zone = ctx.settings.business.timezone
        # A retention run that hit its batch limit goes on shortly, not tomorrow.
        soon = ctx.now + CONTINUE_AFTER if more else None
        await ensure_scheduled(ctx.uow, kind, ctx.now, zone, ctx.config, due=soon)

    handler.__name__ = kind.replace(".", "_")
    return handler
