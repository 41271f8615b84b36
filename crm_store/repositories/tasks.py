"""Scheduled work as rows: reminders, surveys, escalations, webhooks.

Due tasks are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers
never run one task twice; on SQLite the single writer lock gives the same guarantee.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from crm_store.errors import violated
from crm_store.models import ScheduledTask, TaskState
from crm_store.repositories.base import Repository


class TaskRepository(Repository):
    async def schedule(
        self,
        kind: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
        *,
        dedupe_key: str | None = None,
    ) -> ScheduledTask:
        """Schedule a task; with a ``dedupe_key`` a second call returns the first task."""
        if dedupe_key is not None:
            stmt = select(ScheduledTask).where(ScheduledTask.dedupe_key == dedupe_key)
            existing = (await self.session.scalars(stmt)).first()
            if existing is not None:
                return existing
        task = ScheduledTask(
            kind=kind,
            due_at=due_at,
            payload=dict(payload or {}),
            state=TaskState.PENDING.value,
            dedupe_key=dedupe_key,
            created_at=self.clock.now(),
        )
        try:
            async with self.session.begin_nested():
                self.session.add(task)
        except IntegrityError as exc:
            if dedupe_key is None or not violated(exc, "scheduled_tasks", "dedupe_key"):
                raise
            stmt = select(ScheduledTask).where(ScheduledTask.dedupe_key == dedupe_key)
            return (await self.session.scalars(stmt)).one()
        return task

    async def claim_due(self, now: datetime, limit: int = 50) -> list[ScheduledTask]:
        stmt = (
            select(ScheduledTask)
            .where(ScheduledTask.state == TaskState.PENDING.value, ScheduledTask.due_at <= now)
            .order_by(ScheduledTask.due_at, ScheduledTask.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        tasks = list((await self.session.scalars(stmt)).all())
        for task in tasks:
            task.state = TaskState.RUNNING.value
            task.attempts += 1
        await self.session.flush()
        return tasks

    async def finish(self, task: ScheduledTask, state: TaskState = TaskState.DONE) -> None:
        task.state = state.value
        task.finished_at = self.clock.now()
        await self.session.flush()

    async def retry_later(self, task: ScheduledTask, due_at: datetime, error: str) -> None:
        task.state = TaskState.PENDING.value
        task.due_at = due_at
        task.last_error = error[:2000]
        await self.session.flush()

    async def cancel(self, *, kind: str | None = None, dedupe_prefix: str | None = None) -> int:
        stmt = update(ScheduledTask).where(ScheduledTask.state == TaskState.PENDING.value)
        if kind is not None:
            stmt = stmt.where(ScheduledTask.kind == kind)
        if dedupe_prefix is not None:
            stmt = stmt.where(ScheduledTask.dedupe_key.startswith(dedupe_prefix, autoescape=True))
        result = await self.session.execute(
            stmt.values(state=TaskState.CANCELLED.value, finished_at=self.clock.now())
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def pending(self, kind: str | None = None) -> list[ScheduledTask]:
        stmt = select(ScheduledTask).where(ScheduledTask.state == TaskState.PENDING.value)
        if kind is not None:
            stmt = stmt.where(ScheduledTask.kind == kind)
        return list((await self.session.scalars(stmt.order_by(ScheduledTask.due_at))).all())
