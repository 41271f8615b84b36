"""Delivering an outbox table (staff messages, e-mail): claim with a lease, send, record.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL) and a short lease in one
transaction, so two workers never send one row at the same time; a worker that dies
mid-send leaves a lease that simply expires. Delivery is at least once: a crash after the
platform accepted a message but before it is marked sends it again (better than losing it).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import or_, select

from channels.base import DeliveryError
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.models.ops import DELIVERED, FAILED, PENDING
from crm_store.uow import UnitOfWork

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)
Row = TypeVar("Row")


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s, ... at most an hour."""
    return min(timedelta(seconds=10 * 2 ** min(max(attempts - 1, 0), 20)), MAX_BACKOFF)


@dataclass(frozen=True)
class DeliveryRound:
    delivered: int = 0
    failed_attempts: int = 0


class RowOutbox(Generic[Row]):
    """``send(row)`` returns a platform reference or raises ``DeliveryError``."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        model: type[Row],
        send: Callable[[Row], Awaitable[str | None]],
        *,
        sent_field: str,
        max_attempts: int = 10,
        batch: int = 50,
    ) -> None:
        self.db = db
        self.clock = clock
        self.model: Any = model
        self.send = send
        self.sent_field = sent_field
        self.max_attempts = max_attempts
        self.batch = batch

    async def deliver_due(self) -> DeliveryRound:
        delivered = failed = 0
        while True:
            rows = await self._claim()
            for row in rows:
                if await self._deliver(row):
                    delivered += 1
                else:
                    failed += 1
            if len(rows) < self.batch:
                return DeliveryRound(delivered, failed)

    async def _claim(self) -> list[Any]:
        now = self.clock.now()
        m = self.model
        async with UnitOfWork(self.db, self.clock) as uow:
            stmt = (
                select(m)
                .where(
                    m.state == PENDING, or_(m.next_attempt_at.is_(None), m.next_attempt_at <= now)
                )
                .order_by(m.id)
                .limit(self.batch)
                .with_for_update(skip_locked=True)
            )
            rows = list((await uow.session.scalars(stmt)).all())
            for row in rows:
                row.next_attempt_at = now + LEASE
        return rows

    async def _deliver(self, row: Any) -> bool:
        try:
            ref = await self.send(row)
        except DeliveryError as exc:
            await self._failed(row, str(exc), exc.transient, exc.retry_after)
            return False
        except Exception as exc:  # noqa: BLE001 - an unknown failure is retried, not fatal
            log.exception("%s %s: unexpected delivery error", self.model.__tablename__, row.id)
            await self._failed(row, f"{type(exc).__name__}: {exc}", True, None)
            return False
        async with UnitOfWork(self.db, self.clock) as uow:
            fresh = await uow.session.get(self.model, row.id)
            if fresh is not None:
                fresh.state = DELIVERED
                fresh.attempts += 1
                fresh.next_attempt_at = None
                fresh.last_error = None
                setattr(fresh, self.sent_field, self.clock.now())
                if hasattr(fresh, "platform_ref") and ref:
                    fresh.platform_ref = ref[:100]
        return True

    async def _failed(
        self, row: Any, error: str, transient: bool, retry_after: float | None
    ) -> None:
        async with UnitOfWork(self.db, self.clock) as uow:
            fresh = await uow.session.get(self.model, row.id)
            if fresh is None:
                return
            fresh.attempts += 1
            fresh.last_error = error[:2000]
            retry_at: datetime | None = None
            if transient and fresh.attempts < self.max_attempts:
                delay = backoff(fresh.attempts)
                if retry_after:
                    delay = max(delay, timedelta(seconds=retry_after))
                retry_at = self.clock.now() + delay
            fresh.next_attempt_at = retry_at
            if retry_at is None:
                fresh.state = FAILED
        log.warning(
            "%s %s failed (attempt %d)%s: %s",
            self.model.__tablename__,
            row.id,
            row.attempts + 1,
            "" if retry_at else ", giving up",
            error,
        )
