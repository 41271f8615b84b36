"""The scheduler started and stopped with the app: APScheduler 3 wakes one job that acts on
new business events, runs due tasks and retries the staff and e-mail outboxes.

APScheduler holds no work of its own (an in-memory job store; the work is rows in the CRM
store), so nothing is lost when the process stops. The job has a fixed id and is added with
``replace_existing``, so a restart never duplicates it; it first runs at start-up, which is
how work that came due while the process was down runs (once: the tasks are marked done in
the transaction that produced their messages). ``coalesce`` folds missed wake-ups into one,
``max_instances=1`` keeps rounds from overlapping and ``misfire_grace_time=None`` runs a
late wake-up however late it is.

APScheduler keeps real time (it only decides when to wake up); what is due is decided by
the injected clock, so a pinned clock (``SALESBOT_NOW``) moves reminders and surveys too.
Tests call ``TaskRunner.run_due(now)`` directly with a ``FakeClock``, or ``tick()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.scheduler.context import TaskHandlers
from bot.scheduler.email import EmailOutbox, SmtpSender
from bot.scheduler.events import EventConsumer
from bot.scheduler.execute import RunResult, TaskRunner
from bot.scheduler.handlers import default_handlers
from bot.scheduler.handlers.recurring import DIGEST, RETENTION, ensure_scheduled
from bot.scheduler.staff_outbox import StaffOutbox
from bot.settings.scheduler import EmailSettings, SchedulerSettings
from bot.staff import StaffChannel
from crm_store.uow import UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")
JOB_ID = "salesbot.scheduler.tick"
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


@dataclass(frozen=True)
class Round:
    events: int
    tasks: RunResult
    staff_delivered: int
    emails_sent: int


class Scheduler:
    def __init__(
        self,
        runner: TaskRunner,
        *,
        events: EventConsumer | None = None,
        staff: StaffOutbox | None = None,
        email: EmailOutbox | None = None,
        config: SchedulerSettings | None = None,
    ) -> None:
        self.runner = runner
        self.events = events
        self.staff = staff
        self.email = email
        self.config = config or runner.config
        self.rounds = 0
        self._round_done = asyncio.Condition()
        self._busy = asyncio.Lock()
        self._aps: AsyncIOScheduler | None = None

    async def start(self) -> None:
        await self.ensure_recurring()
        aps = AsyncIOScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
        aps.add_job(
            self.tick,
            IntervalTrigger(seconds=self.config.poll_interval_seconds, timezone=UTC),
            id=JOB_ID,
            name="run due scheduled work",
            replace_existing=True,
            next_run_time=datetime.now(UTC),  # at once: whatever came due while down
        )
        aps.start()
        self._aps = aps
        log.info("scheduler started (every %ss)", self.config.poll_interval_seconds)

    async def stop(self, grace: float = 30.0) -> None:
        if self._aps is None:
            return
        self._aps.pause()
        # Let a round in progress finish its transaction rather than cancel it mid-send.
        try:
            async with asyncio.timeout(grace):
                async with self._busy:
                    pass
        except TimeoutError:
            log.warning("scheduler round still busy after %ss; cancelling it", grace)
        self._aps.shutdown(wait=False)
        self._aps = None

    def wake(self) -> None:
        """Run a round now instead of at the next interval (e.g. after scheduling urgent work)."""
        if self._aps is not None:
            self._aps.modify_job(JOB_ID, next_run_time=datetime.now(UTC))

    async def ensure_recurring(self) -> None:
        zone = self.runner.settings.business.timezone
        now = self.runner.clock.now()
        async with UnitOfWork(self.runner.db, self.runner.clock) as uow:
            for kind in (DIGEST, RETENTION):
                if kind in self.runner.handlers:
                    await ensure_scheduled(uow, kind, now, zone, self.config)

    async def tick(self) -> Round:
        """One round: events, due tasks, outbox retries. Never raises (the job must live)."""
        async with self._busy:
            # Each step on its own: a broken SMTP server must not hold up reminders.
            events = await _step("events", self.events.run_once, 0) if self.events else 0
            tasks = await _step("tasks", self.runner.run_due, RunResult())
            staff = (
                await _step("staff outbox", self.staff.deliver_due, None) if self.staff else None
            )
            mails = (
                await _step("e-mail outbox", self.email.deliver_due, None) if self.email else None
            )
            result = Round(
                events, tasks, staff.delivered if staff else 0, mails.delivered if mails else 0
            )
        async with self._round_done:
            self.rounds += 1
            self._round_done.notify_all()
        return result

    async def wait_rounds(self, count: int, within: float = 10.0) -> None:
        """Wait until ``count`` rounds have completed since start (for tests, no sleeping)."""
        async with asyncio.timeout(within):
            async with self._round_done:
                await self._round_done.wait_for(lambda: self.rounds >= count)


async def _step(name: str, step: Callable[[], Awaitable[T]], fallback: T) -> T:
    try:
        return await step()
    except Exception:
        log.exception("scheduler %s failed; the next round retries", name)
        return fallback


def build_scheduler(
    runtime: Any,
    *,
    staff_channel: StaffChannel | None = None,
    smtp: SmtpSender | None = None,
    handlers: TaskHandlers | None = None,
    config: SchedulerSettings | None = None,
    email: EmailSettings | None = None,
) -> Scheduler:
    """The scheduler for a started ``Runtime`` (its db, clock, settings, content and hub)."""
    settings = runtime.settings
    config = config or settings.scheduler
    email = email or settings.email
    hub = getattr(runtime, "_hub", None) or getattr(runtime, "hub", None)
    runner = TaskRunner(
        db=runtime.db,
        clock=runtime.clock,
        settings=settings,
        content=runtime.content,
        handlers=handlers if handlers is not None else default_handlers(),
        hub=hub,
        config=config,
        email=email,
    )
    events = EventConsumer(runtime.db, runtime.clock, settings, runtime.content, email)
    staff_channel = staff_channel or getattr(runtime, "staff", None)
    # Without a staff channel the rows wait (visible in the dashboard) until one is set up.
    staff = (
        StaffOutbox(
            runtime.db, runtime.clock, staff_channel, max_attempts=config.staff_max_attempts
        )
        if staff_channel is not None
        else None
    )
    if smtp is None and email.enabled:
        password = settings.secrets.smtp_password
        smtp = SmtpSender(email, password.get_secret_value() if password else None)
    mail = (
        EmailOutbox(runtime.db, runtime.clock, smtp, max_attempts=config.email_max_attempts)
        if smtp is not None
        else None
    )
    return Scheduler(runner, events=events, staff=staff, email=mail, config=config)


@contextlib.asynccontextmanager
async def running_scheduler(runtime: Any, **kwargs: Any) -> AsyncIterator[Scheduler | None]:
    """Run the scheduler for the app's lifetime (``async with`` in the lifespan, after
    ``runtime.start()``). Yields None when ``scheduler.enabled`` is false."""
    config = kwargs.get("config") or runtime.settings.scheduler
    if not config.enabled:
        yield None
        return
    scheduler = build_scheduler(runtime, **kwargs)
    await scheduler.start()
    try:
        yield scheduler
    finally:
        await scheduler.stop()
