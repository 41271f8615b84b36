"""Outgoing webhooks: business events from the store, delivered to configured endpoints.

Two steps per round, both driven by the injected clock:

1. Fan-out. Each endpoint has a cursor over ``domain_events`` (written in the same
   transaction as the change they describe). New events it subscribes to become delivery
   rows, unique per (endpoint, event). The cursor only moves past events older than
   ``SETTLE``: on PostgreSQL ids are handed out before commit, so a slow transaction can
   commit an id below one already read; re-reading the last minutes (idempotently) catches it.
2. Delivery. Due rows are leased, POSTed as signed JSON and marked delivered on a 2xx;
   anything else is retried with exponential backoff (10 s doubling, capped at 15 min)
   for 24 h. A receiver that is down for an hour therefore loses nothing: the backlog goes
   out within 15 minutes of its return. Delivery is at least once; the event id is stable
   across retries, so receivers deduplicate on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

import bot
from bot.webhooks.config import WebhookEndpoint, endpoints_from_settings
from bot.webhooks.signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, sign
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.models import DomainEvent
from crm_store.models.api import WebhookDelivery
from crm_store.repositories.webhooks import SETTLE, WebhookRepository
from crm_store.uow import UnitOfWork

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=10)
MAX_BACKOFF = timedelta(minutes=15)
GIVE_UP_AFTER = timedelta(hours=24)
# A claimed delivery is not offered to another worker for this long; longer than any
# request may take, so only a worker that died mid-send lets it expire.
LEASE = timedelta(minutes=2)
EVENT_BATCH = 500
USER_AGENT = f"salesbot-webhooks/{bot.__version__}"


def backoff(failures: int) -> timedelta:
    """Delay after the n-th failed attempt: 10 s, 20 s, 40 s, ... at most 15 minutes."""
    return min(FIRST_RETRY * 2 ** min(max(failures - 1, 0), 20), MAX_BACKOFF)


def event_body(event: DomainEvent) -> bytes:
    """The JSON a receiver gets; identical on every retry of the same event."""
    payload = {
        "id": event.event_id,
        "type": event.type,
        "created_at": event.at.isoformat(),
        "data": event.data,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class RoundResult:
    queued: int = 0
    delivered: int = 0
    failed_attempts: int = 0


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    status: int | None
    error: str
    retry_after: timedelta | None = None


class WebhookDispatcher:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        endpoints: Sequence[WebhookEndpoint],
        http_client: httpx.AsyncClient,
        *,
        timeout: float = 10.0,
        batch: int = 100,
        concurrency: int = 4,
    ) -> None:
        self.db = db
        self.clock = clock
        self.endpoints = {e.name: e for e in endpoints}
        self.http = http_client
        self.timeout = timeout
        self.batch = batch
        self.concurrency = concurrency

    async def run(self, interval: float = 1.0) -> None:
        """The background loop started with the app; cancel it to stop."""
        while True:
            try:
                result = await self.run_once()
            except Exception:  # keep the loop alive; the next round retries
                log.exception("webhook round failed")
                result = RoundResult()
            # A full batch means more is due: go on at once instead of sleeping.
            if result.delivered + result.failed_attempts < self.batch:
                await asyncio.sleep(interval)

    async def run_once(self) -> RoundResult:
        queued = await self.fan_out()
        delivered, failed = await self.deliver_due()
        return RoundResult(queued, delivered, failed)

    async def fan_out(self) -> int:
        """Queue deliveries for the events each endpoint has not seen yet."""
        if not self.endpoints:
            return 0
        queued = 0
        async with UnitOfWork(self.db, self.clock) as uow:
            repo = WebhookRepository(uow.session, uow.clock)
            cutoff = self.clock.now() - SETTLE
            for endpoint in self.endpoints.values():
                consumer = f"webhook:{endpoint.name}"
                async for events in repo.walk(consumer, cutoff=cutoff, batch=EVENT_BATCH):
                    wanted = [e.id for e in events if endpoint.wants(e.type)]
                    queued += await repo.enqueue(endpoint.name, wanted)
        if queued:
            log.info("queued %d webhook deliveries", queued)
        return queued

    async def deliver_due(self) -> tuple[int, int]:
        """Send every due delivery once; returns (delivered, failed attempts)."""
        now = self.clock.now()
        async with UnitOfWork(self.db, self.clock) as uow:
            repo = WebhookRepository(uow.session, uow.clock)
            claimed = await repo.claim_due(self.endpoints, now, lease=LEASE, limit=self.batch)
        by_endpoint: dict[str, list[WebhookDelivery]] = defaultdict(list)
        for delivery in claimed:
            by_endpoint[delivery.endpoint].append(delivery)
        results = await asyncio.gather(
            *(self._deliver_to(self.endpoints[n], ds) for n, ds in by_endpoint.items())
        )
        delivered = sum(r[0] for r in results)
        return delivered, len(claimed) - delivered

    async def _deliver_to(
        self, endpoint: WebhookEndpoint, deliveries: list[WebhookDelivery]
    ) -> tuple[int, int]:
        # Endpoints are sent to in parallel; one endpoint gets a few requests at a time.
        gate = asyncio.Semaphore(self.concurrency)

        async def one(delivery: WebhookDelivery) -> bool:
            async with gate:
                outcome = await self._post(endpoint, delivery)
            await self._record(delivery, outcome)
            return outcome.ok

        oks = await asyncio.gather(*(one(d) for d in deliveries))
        return sum(oks), len(oks) - sum(oks)

    async def _post(self, endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> _Outcome:
        event = delivery.event
        body = event_body(event)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_ID_HEADER: event.event_id,
            EVENT_TYPE_HEADER: event.type,
            SIGNATURE_HEADER: sign(endpoint.secret, body, int(self.clock.now().timestamp())),
        }
        try:
            # Streamed and not read: a receiver's response body is of no interest.
            async with self.http.stream(
                "POST", endpoint.url, content=body, headers=headers, timeout=self.timeout
            ) as response:
                status = response.status_code
                retry_after = _retry_after(response.headers.get("Retry-After"))
        except httpx.HTTPError as exc:
            return _Outcome(False, None, f"{type(exc).__name__}: {exc}"[:500])
        if 200 <= status < 300:
            return _Outcome(True, status, "")
        return _Outcome(False, status, f"HTTP {status}", retry_after)

    async def _record(self, delivery: WebhookDelivery, outcome: _Outcome) -> None:
        async with UnitOfWork(self.db, self.clock) as uow:
            repo = WebhookRepository(uow.session, uow.clock)
            if outcome.ok:
                await repo.record_success(delivery.id, outcome.status or 200)
                return
            retry_at = self._retry_at(delivery, outcome.retry_after)
            await repo.record_failure(delivery.id, outcome.status, outcome.error, retry_at)
        log.warning(
            "webhook %s of event %s to %s failed (attempt %d): %s%s",
            delivery.id,
            delivery.event.event_id,
            delivery.endpoint,
            delivery.attempts + 1,
            outcome.error,
            "" if retry_at else "; giving up",
        )

    def _retry_at(
        self, delivery: WebhookDelivery, retry_after: timedelta | None
    ) -> datetime | None:
        now = self.clock.now()
        deadline = delivery.created_at + GIVE_UP_AFTER
        if now >= deadline:
            return None
        delay = backoff(delivery.attempts + 1)
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_BACKOFF))
        return min(now + delay, deadline)


def _retry_after(value: str | None) -> timedelta | None:
    if value and value.strip().isdigit():
        return timedelta(seconds=int(value.strip()))
    return None


@contextlib.asynccontextmanager
async def running_webhooks(runtime: Any) -> AsyncIterator[WebhookDispatcher | None]:
    """Run the dispatcher for the app's lifetime (``async with`` in the lifespan).

    Does nothing when no endpoint is configured.
    """
    endpoints = endpoints_from_settings(runtime.settings)
    if not endpoints:
        yield None
        return
    config = runtime.settings.webhooks
    async with httpx.AsyncClient(follow_redirects=False) as http:
        dispatcher = WebhookDispatcher(
            runtime.db, runtime.clock, endpoints, http, timeout=config.timeout_seconds
        )
        task = asyncio.create_task(dispatcher.run(config.poll_interval_seconds), name="webhooks")
        log.info("webhooks on for %s", ", ".join(e.name for e in endpoints))
        try:
            yield dispatcher
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
