"""The webhook outbox: event cursors per endpoint and one delivery row per (endpoint, event).

Queueing is idempotent (``INSERT ... ON CONFLICT DO NOTHING`` on the unique pair), so two
workers fanning out the same events queue each delivery once. Sending claims rows with a
short lease (and ``FOR UPDATE SKIP LOCKED`` on PostgreSQL) so two workers do not send the
same delivery at once; a worker that dies mid-send leaves a lease that simply expires.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from crm_store.models import DomainEvent
from crm_store.models.api import DeliveryState, EventCursor, WebhookDelivery
from crm_store.repositories.base import Repository
from crm_store.repositories.events import EventRepository

# How old an event must be before a consumer's cursor moves past it (see ``walk``).
SETTLE = timedelta(minutes=2)


class WebhookRepository(Repository):
    def _insert(self, model: type) -> object:
        dialect = self.session.get_bind().dialect.name
        return (postgresql if dialect == "postgresql" else sqlite).insert(model)

    async def cursor(self, consumer: str, *, start_before: datetime) -> int:
        """The consumer's position; a new consumer starts after events older than ``start_before``.

        So an endpoint added today is not flooded with last year's events.
        """
        position = await self.session.scalar(
            select(EventCursor.position).where(EventCursor.consumer == consumer)
        )
        if position is not None:
            return int(position)
        start = await self.session.scalar(
            select(func.coalesce(func.max(DomainEvent.id), 0)).where(DomainEvent.at < start_before)
        )
        stmt = self._insert(EventCursor).values(  # type: ignore[attr-defined]
            consumer=consumer, position=int(start or 0), updated_at=self.clock.now()
        )
        await self.session.execute(stmt.on_conflict_do_nothing(index_elements=["consumer"]))
        return int(
            await self.session.scalar(
                select(EventCursor.position).where(EventCursor.consumer == consumer)
            )
            or 0
        )

    async def advance(self, consumer: str, position: int) -> None:
        await self.session.execute(
            update(EventCursor)
            .where(EventCursor.consumer == consumer, EventCursor.position < position)
            .values(position=position, updated_at=self.clock.now())
        )

    async def walk(
        self, consumer: str, *, cutoff: datetime, batch: int
    ) -> AsyncIterator[list[DomainEvent]]:
        """The events after the consumer's cursor, in batches, oldest first.

        Once the caller has gone through every batch, the cursor moves past the events up to
        the first one newer than ``cutoff``: PostgreSQL hands out ids before commit, so a
        slow transaction can still commit an id below one already read, and recent events
        are read again next time (consumers key what they produce by event id). A caller
        that stops early or raises leaves the cursor where it was.
        """
        position = await self.cursor(consumer, start_before=cutoff)
        scan, settled, contiguous = position, position, True
        events_repo = EventRepository(self.session, self.clock)
        while True:
            events = await events_repo.after(scan, batch)
            if events:
                yield events
            for event in events:
                contiguous = contiguous and event.at <= cutoff
                if contiguous:
                    settled = event.id
            if len(events) < batch:
                break
            scan = events[-1].id
        if settled > position:
            await self.advance(consumer, settled)

    async def enqueue(self, endpoint: str, event_ids: Sequence[int]) -> int:
        """Queue deliveries of these events to an endpoint; already queued ones are skipped."""
        if not event_ids:
            return 0
        # Most re-read events are already queued: look first, so only new rows are written.
        queued = await self.session.scalars(
            select(WebhookDelivery.event_id).where(
                WebhookDelivery.endpoint == endpoint, WebhookDelivery.event_id.in_(event_ids)
            )
        )
        event_ids = sorted(set(event_ids) - set(queued.all()))
        if not event_ids:
            return 0
        now = self.clock.now()
        rows = [
            {
                "endpoint": endpoint,
                "event_id": event_id,
                "state": DeliveryState.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for event_id in event_ids
        ]
        stmt = self._insert(WebhookDelivery).values(rows)  # type: ignore[attr-defined]
        result = await self.session.execute(
            stmt.on_conflict_do_nothing(index_elements=["endpoint", "event_id"])
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def claim_due(
        self, endpoints: Iterable[str], now: datetime, *, lease: timedelta, limit: int = 100
    ) -> list[WebhookDelivery]:
        """Due pending deliveries, leased to the caller until ``now + lease``."""
        names = list(endpoints)
        if not names:
            return []
        stmt = (
            select(WebhookDelivery)
            .where(
                WebhookDelivery.state == DeliveryState.PENDING.value,
                WebhookDelivery.next_attempt_at <= now,
                WebhookDelivery.endpoint.in_(names),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .options(selectinload(WebhookDelivery.event))
        )
        claimed = list((await self.session.scalars(stmt)).all())
        for delivery in claimed:
            delivery.next_attempt_at = now + lease
        await self.session.flush()
        return claimed

    async def record_success(self, delivery_id: int, status: int) -> None:
        now = self.clock.now()
        await self.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(
                state=DeliveryState.DELIVERED.value,
                attempts=WebhookDelivery.attempts + 1,
                last_status=status,
                last_error=None,
                next_attempt_at=None,
                delivered_at=now,
            )
        )

    async def record_failure(
        self, delivery_id: int, status: int | None, error: str, retry_at: datetime | None
    ) -> None:
        """A failed attempt; ``retry_at=None`` gives up on the delivery."""
        await self.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(
                state=DeliveryState.PENDING.value if retry_at else DeliveryState.FAILED.value,
                attempts=WebhookDelivery.attempts + 1,
                last_status=status,
                last_error=error[:2000],
                next_attempt_at=retry_at,
            )
        )

    async def list(
        self, *, endpoint: str | None = None, state: str | None = None, limit: int = 50
    ) -> list[WebhookDelivery]:
        stmt = (
            select(WebhookDelivery)
            .options(selectinload(WebhookDelivery.event))
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
        if endpoint is not None:
            stmt = stmt.where(WebhookDelivery.endpoint == endpoint)
        if state is not None:
            stmt = stmt.where(WebhookDelivery.state == DeliveryState(state).value)
        return list((await self.session.scalars(stmt)).all())

    async def counts(self) -> dict[tuple[str, str], int]:
        """Number of deliveries per (endpoint, state)."""
        stmt = select(WebhookDelivery.endpoint, WebhookDelivery.state, func.count()).group_by(
            WebhookDelivery.endpoint, WebhookDelivery.state
        )
        return {(e, s): int(n) for e, s, n in (await self.session.execute(stmt)).all()}

    async def requeue_failed(self, *, endpoint: str | None = None, ids: Sequence[int] = ()) -> int:
        """Put failed deliveries back in the queue (after the receiver was fixed)."""
        stmt = update(WebhookDelivery).where(WebhookDelivery.state == DeliveryState.FAILED.value)
        if endpoint is not None:
            stmt = stmt.where(WebhookDelivery.endpoint == endpoint)
        if ids:
            stmt = stmt.where(WebhookDelivery.id.in_(list(ids)))
        now = self.clock.now()
        result = await self.session.execute(
            stmt.values(state=DeliveryState.PENDING.value, next_attempt_at=now, created_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
