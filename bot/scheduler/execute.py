"""Running due ``ScheduledTask`` rows, each exactly once.

One task per transaction: ``claim_due`` locks it (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
the write lock on SQLite), its handler writes its outbox rows in the same transaction, and
the task is marked done there too. Killed before the commit, nothing happened and the task
runs again; after the commit, the task is done and its messages wait in the outboxes, which
are delivered right after (and retried by their loops). A second worker skips locked rows,
so each task runs once however many workers share the database.

A handler that raises is rolled back to a savepoint and retried with backoff, then marked
failed (``salesbot tasks retry`` re-queues it). ``@outside_transaction`` handlers lease
their task instead (see ``bot.scheduler.context``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.outbox import Outbox
from bot.scheduler.context import TaskContext, TaskHandlers, runs_outside_transaction
from bot.settings.scheduler import EmailSettings, SchedulerSettings
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.models import ScheduledTask, TaskState
from crm_store.uow import UnitOfWork

log = logging.getLogger(__name__)

# How long an @outside_transaction task is hidden from other workers while it runs.
LEASE = timedelta(minutes=10)
FIRST_RETRY = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 20), MAX_BACKOFF)


@dataclass
class RunResult:
    done: int = 0
    retried: int = 0
    failed: int = 0
    lost: int = 0  # leased by another worker meanwhile
    kinds: list[str] = field(default_factory=list)

    @property
    def ran(self) -> int:
        return self.done + self.retried + self.failed + self.lost


class TaskRunner:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        settings: Any,
        content: Any,
        handlers: TaskHandlers,
        hub: Any | None = None,
        outbox: Outbox | None = None,
        config: SchedulerSettings | None = None,
        email: EmailSettings | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.content = content
        self.handlers = handlers
        self.hub = hub
        self.outbox = outbox or (hub.outbox if hub is not None else None)
        self.config = config or settings.scheduler
        self.email = email or settings.email

    def context(self, now: datetime, uow: UnitOfWork | None) -> TaskContext:
        return TaskContext(
            db=self.db,
            clock=self.clock,
            settings=self.settings,
            content=self.content,
            now=now,
            config=self.config,
            email=self.email,
            hub=self.hub,
            task_uow=uow,
        )

    async def run_due(self, now: datetime | None = None, *, limit: int | None = None) -> RunResult:
        """Run every task due at ``now`` (default: the clock's now), oldest first."""
        now = now or self.clock.now()
        limit = limit or self.config.batch_size
        result = RunResult()
        while result.ran < limit:
            outcome = await self._run_next(now)
            if outcome is None:
                break
            kind, state = outcome
            result.kinds.append(kind)
            if state == "done":
                result.done += 1
            elif state == "retried":
                result.retried += 1
            elif state == "failed":
                result.failed += 1
            else:
                result.lost += 1
        return result

    async def _run_next(self, now: datetime) -> tuple[str, str] | None:
        leased: tuple[ScheduledTask, Any, datetime] | None = None
        ctx: TaskContext | None = None
        async with UnitOfWork(self.db, self.clock) as uow:
            claimed = await uow.tasks.claim_due(now, limit=1)
            if not claimed:
                return None
            task = claimed[0]
            handler = self.handlers.get(task.kind)
            if handler is None:
                task.last_error = f"no handler for task kind {task.kind!r}"
                await uow.tasks.finish(task, TaskState.FAILED)
                log.error("task %s: %s", task.id, task.last_error)
                return task.kind, "failed"
            if runs_outside_transaction(handler):
                # Leased, not running: if this process dies the task comes due again.
                lease_until = (now + LEASE).replace(microsecond=0)
                task.state, task.due_at = TaskState.PENDING.value, lease_until
                leased = (task, handler, lease_until)
            else:
                ctx = self.context(now, uow)
                state = await self._run_inside(uow, ctx, task, handler, now)
        if leased is not None:
            return await self._run_leased(*leased, now)
        assert ctx is not None
        await self._after_commit(ctx)
        return task.kind, state

    async def _run_inside(
        self, uow: UnitOfWork, ctx: TaskContext, task: ScheduledTask, handler: Any, now: datetime
    ) -> str:
        try:
            async with uow.session.begin_nested():
                await handler(ctx, task)
        except Exception as exc:
            log.exception("task %s (%s) failed", task.id, task.kind)
            ctx.conversations.clear()
            return await self._record_failure(uow, task, exc, now)
        if ctx.retry_at is not None:
            await uow.tasks.retry_later(task, ctx.retry_at, ctx.retry_reason)
            return "retried"
        await uow.tasks.finish(task)
        return "done"

    async def _run_leased(
        self, task: ScheduledTask, handler: Any, lease_until: datetime, now: datetime
    ) -> tuple[str, str]:
        ctx = self.context(now, None)
        error: Exception | None = None
        try:
            await handler(ctx, task)
        except Exception as exc:
            log.exception("task %s (%s) failed", task.id, task.kind)
            error = exc
        async with UnitOfWork(self.db, self.clock) as uow:
            fresh = await uow.session.get(ScheduledTask, task.id, with_for_update=True)
            if (
                fresh is None
                or fresh.state != TaskState.PENDING.value
                or fresh.due_at != lease_until
            ):
                # Cancelled meanwhile (an opt-out), or the lease ran out and another worker
                # took it over: the row is theirs now.
                return task.kind, "lost"
            if error is not None:
                state = await self._record_failure(uow, fresh, error, now)
            elif ctx.retry_at is not None:
                await uow.tasks.retry_later(fresh, ctx.retry_at, ctx.retry_reason)
                state = "retried"
            else:
                await uow.tasks.finish(fresh)
                state = "done"
        await self._after_commit(ctx)
        return task.kind, state

    async def _record_failure(
        self, uow: UnitOfWork, task: ScheduledTask, exc: Exception, now: datetime
    ) -> str:
        error = f"{type(exc).__name__}: {exc}"
        if task.attempts >= self.config.max_attempts:
            task.last_error = error[:2000]
            await uow.tasks.finish(task, TaskState.FAILED)
            return "failed"
        await uow.tasks.retry_later(task, now + backoff(task.attempts), error)
        return "retried"

    async def _after_commit(self, ctx: TaskContext) -> None:
        if self.outbox is None:
            return  # the app's outbox loop sends them
        for conversation_id in sorted(ctx.conversations):
            try:
                await self.outbox.deliver_now(conversation_id)
            except Exception:  # the outbox loop retries; the task is done either way
                log.exception("delivering conversation %s after a task failed", conversation_id)
