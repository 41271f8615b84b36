"""Outgoing webhooks: signed, retried with backoff from a persisted outbox, nothing lost (#4)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import select

import crm_store.models.api  # noqa: F401 - registers the tables (truncated between tests)
from bot.webhooks.config import (
    WebhookEndpoint,
    WebhooksSettings,
    build_endpoints,
    derive_secret,
)
from bot.webhooks.delivery import (
    GIVE_UP_AFTER,
    MAX_BACKOFF,
    SETTLE,
    WebhookDispatcher,
    backoff,
    running_webhooks,
)
from bot.webhooks.signing import sign, verify_signature
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import DomainEvent
from crm_store.models.api import WebhookDelivery
from crm_store.repositories.webhooks import WebhookRepository
from crm_store.uow import UnitOfWork
from tests.bot.webhook_receivers import FakeReceiver, LocalReceiver

SECRET = derive_secret("master-secret-for-tests", "crm")
CRM = WebhookEndpoint("crm", "http://crm.test/hook", SECRET, frozenset({"*"}))


async def make_lead_events(db: Database, clock: FakeClock) -> list[str]:
    """A lead created then qualified: lead.created, lead.status_changed, lead.qualified."""
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.create(name="Ann")
        lead = await uow.leads.create(contact.id, source_channel="webchat")
        await uow.leads.transition(lead, "qualified")
    async with UnitOfWork(db, clock) as uow:
        return [e.event_id for e in await uow.events.after(0)]


async def deliveries(db: Database) -> list[WebhookDelivery]:
    async with db.session() as session:
        return list((await session.scalars(select(WebhookDelivery))).all())


def test_signature_round_trip_and_refusals() -> None:
    body = b'{"id":"e1","type":"lead.created"}'
    header = sign("s3cret", body, 1_700_000_000)
    assert verify_signature("s3cret", body, header, now=1_700_000_010)
    assert not verify_signature("s3cret", body + b" ", header, now=1_700_000_010)
    assert not verify_signature("other", body, header, now=1_700_000_010)
    assert not verify_signature("s3cret", body, header, now=1_700_000_000 + 301)
    assert not verify_signature("s3cret", body, "garbage", now=1_700_000_000)
    # Rotation: an old and a new signature side by side.
    rotated = header + "," + sign("new", body, 1_700_000_000).split(",")[1]
    assert verify_signature("new", body, rotated, now=1_700_000_000)


async def test_receiver_on_a_real_socket_verifies_the_signature(
    db: Database, clock: FakeClock
) -> None:
    event_ids = await make_lead_events(db, clock)
    async with LocalReceiver() as receiver, httpx.AsyncClient() as http:
        endpoint = WebhookEndpoint("crm", receiver.url, SECRET, frozenset({"lead.created"}))
        result = await WebhookDispatcher(db, clock, [endpoint], http).run_once()
    assert result.queued == 1 and result.delivered == 1
    [request] = receiver.requests
    now = clock.now().timestamp()
    assert verify_signature(SECRET, request.body, request.headers["x-salesbot-signature"], now=now)
    assert not verify_signature(
        SECRET,
        request.body.replace(b"webchat", b"telegram"),
        request.headers["x-salesbot-signature"],
        now=now,
    )
    body = json.loads(request.body)
    assert body["id"] == request.headers["x-salesbot-event-id"] == event_ids[0]
    assert body["type"] == "lead.created" and body["data"]["source_channel"] == "webchat"
    assert request.headers["content-type"] == "application/json"


async def test_500_then_200_gives_one_accepted_delivery_per_event_after_backoff(
    db: Database, clock: FakeClock
) -> None:
    event_ids = await make_lead_events(db, clock)
    seen: Counter[str] = Counter()
    accepted: Counter[str] = Counter()

    def respond(request: httpx.Request) -> httpx.Response:
        event_id = request.headers["X-Salesbot-Event-Id"]
        seen[event_id] += 1
        if seen[event_id] == 1:
            return httpx.Response(500)
        accepted[event_id] += 1
        return httpx.Response(200)

    receiver = FakeReceiver(clock, respond)
    async with receiver.client() as http:
        dispatcher = WebhookDispatcher(db, clock, [CRM], http)
        first = await dispatcher.run_once()
        assert (first.queued, first.delivered, first.failed_attempts) == (3, 0, 3)
        await dispatcher.run_once()  # nothing is due again at once
        clock.advance(seconds=9)
        await dispatcher.run_once()  # nor before the 10 s backoff
        assert len(receiver.requests) == 3
        clock.advance(seconds=1)
        second = await dispatcher.run_once()
        assert second.delivered == 3
        for _ in range(5):  # and never again
            clock.advance(minutes=30)
            await dispatcher.run_once()
    assert accepted == Counter({e: 1 for e in event_ids})
    assert len(receiver.requests) == 6
    bodies: dict[str, set[bytes]] = {}
    for _, request in receiver.requests:
        bodies.setdefault(request.headers["X-Salesbot-Event-Id"], set()).add(request.content)
    assert all(len(b) == 1 for b in bodies.values()), "a retry must send the same body"
    rows = await deliveries(db)
    assert {(r.state, r.attempts, r.last_status) for r in rows} == {("delivered", 2, 200)}


async def test_receiver_down_for_an_hour_loses_nothing(db: Database, clock: FakeClock) -> None:
    start = clock.now()
    up_at = start + timedelta(hours=1)
    accepted: Counter[str] = Counter()

    def respond(request: httpx.Request) -> httpx.Response:
        if clock.now() < up_at:
            raise httpx.ConnectError("connection refused", request=request)
        accepted[request.headers["X-Salesbot-Event-Id"]] += 1
        return httpx.Response(204)

    receiver = FakeReceiver(clock, respond)
    expected = await make_lead_events(db, clock)
    step = timedelta(seconds=30)
    async with receiver.client() as http:
        dispatcher = WebhookDispatcher(db, clock, [CRM], http)
        while clock.now() < up_at + MAX_BACKOFF + step:
            if clock.now() == start + timedelta(minutes=30):  # more business while it is down
                expected += [e for e in await make_lead_events(db, clock) if e not in expected]
            await dispatcher.run_once()
            clock.advance(step)
    assert accepted == Counter({e: 1 for e in expected}) and len(expected) == 6
    # The first event's attempts are spaced by the backoff (10 s doubling, 15 min cap).
    times = [t for t, r in receiver.requests if r.headers["X-Salesbot-Event-Id"] == expected[0]]
    for n, (earlier, later) in enumerate(zip(times, times[1:], strict=False), start=1):
        wanted = backoff(n).total_seconds()
        assert wanted <= later - earlier < wanted + step.total_seconds(), (n, later - earlier)
    assert backoff(1) == timedelta(seconds=10) and backoff(12) == MAX_BACKOFF


async def test_gives_up_after_a_day_and_can_be_requeued(db: Database, clock: FakeClock) -> None:
    receiver = FakeReceiver(clock, lambda request: httpx.Response(503))
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.create(name="Bo")
        await uow.leads.create(contact.id, source_channel="telegram")
    start = clock.now()
    async with receiver.client() as http:
        dispatcher = WebhookDispatcher(db, clock, [CRM], http)
        for _ in range(200):
            await dispatcher.run_once()
            [row] = await deliveries(db)
            if row.next_attempt_at is None:
                break
            clock.set(row.next_attempt_at)
    assert row.state == "failed" and row.last_status == 503 and row.last_error == "HTTP 503"
    assert clock.now() - start == GIVE_UP_AFTER
    assert 90 < row.attempts < 110  # ~24 h at one attempt per 15 minutes
    async with UnitOfWork(db, clock) as uow:
        assert await WebhookRepository(uow.session, clock).requeue_failed(endpoint="crm") == 1
    [row] = await deliveries(db)
    assert row.state == "pending" and row.next_attempt_at == clock.now()


async def test_retry_after_is_honoured(db: Database, clock: FakeClock) -> None:
    receiver = FakeReceiver(clock, lambda r: httpx.Response(429, headers={"Retry-After": "120"}))
    await make_lead_events(db, clock)
    async with receiver.client() as http:
        await WebhookDispatcher(db, clock, [CRM], http).run_once()
    assert {r.next_attempt_at for r in await deliveries(db)} == {
        clock.now() + timedelta(seconds=120)
    }


async def test_subscriptions_and_a_new_endpoint_starts_from_now(
    db: Database, clock: FakeClock
) -> None:
    old = await make_lead_events(db, clock)
    clock.advance(hours=1)
    receiver = FakeReceiver(clock, lambda r: httpx.Response(200))
    qualified_only = WebhookEndpoint(
        "sales", "http://sales.test/", SECRET, frozenset({"lead.qualified"})
    )
    async with receiver.client() as http:
        dispatcher = WebhookDispatcher(db, clock, [CRM, qualified_only], http)
        assert (await dispatcher.run_once()).queued == 0  # last hour's events are history
        new = await make_lead_events(db, clock)
        await dispatcher.run_once()
    got = [(str(r.url), r.headers["X-Salesbot-Event-Type"]) for _, r in receiver.requests]
    assert sorted(got) == sorted(
        [
            ("http://crm.test/hook", t)
            for t in ("lead.created", "lead.status_changed", "lead.qualified")
        ]
        + [("http://sales.test/", "lead.qualified")]
    )
    assert not {r.headers["X-Salesbot-Event-Id"] for _, r in receiver.requests} & set(old)
    assert len(new) == 6


async def test_an_event_committed_late_with_a_lower_id_is_delivered(
    db: Database, clock: FakeClock
) -> None:
    # PostgreSQL hands out ids before commit: id 2 may commit after id 3 was read.
    receiver = FakeReceiver(clock, lambda r: httpx.Response(200))

    async def add_event(id_: int) -> None:
        async with UnitOfWork(db, clock) as uow:
            uow.session.add(
                DomainEvent(
                    id=id_, event_id=f"ev-{id_}", type="handoff.requested", data={}, at=clock.now()
                )
            )

    async with receiver.client() as http:
        dispatcher = WebhookDispatcher(db, clock, [CRM], http)
        await dispatcher.run_once()  # the endpoint's cursor starts here
        await add_event(1)
        await add_event(3)
        await dispatcher.run_once()
        clock.advance(seconds=30)
        await add_event(2)
        await dispatcher.run_once()
        clock.advance(SETTLE)
        await dispatcher.run_once()
    delivered = [r.headers["X-Salesbot-Event-Id"] for _, r in receiver.requests]
    assert sorted(delivered) == ["ev-1", "ev-2", "ev-3"]


async def test_two_workers_queue_and_send_each_delivery_once(
    db: Database, clock: FakeClock
) -> None:
    event_ids = await make_lead_events(db, clock)
    receiver = FakeReceiver(clock, lambda r: httpx.Response(200))
    async with receiver.client() as http:
        a = WebhookDispatcher(db, clock, [CRM], http)
        b = WebhookDispatcher(db, clock, [CRM], http)
        await asyncio.gather(a.fan_out(), b.fan_out())
        await asyncio.gather(a.deliver_due(), b.deliver_due())
    assert len(await deliveries(db)) == 3
    sent = Counter(r.headers["X-Salesbot-Event-Id"] for _, r in receiver.requests)
    assert sent == Counter({e: 1 for e in event_ids})


async def test_running_webhooks_in_a_lifespan(db: Database, clock: FakeClock) -> None:
    async with LocalReceiver() as receiver:
        config = WebhooksSettings.model_validate(
            {"endpoints": [{"name": "crm", "url": receiver.url}], "poll_interval_seconds": 0.02}
        )
        runtime = SimpleNamespace(
            db=db,
            clock=clock,
            settings=SimpleNamespace(
                webhooks=config, secrets=SimpleNamespace(webhook_secret=SecretStr("m"))
            ),
        )
        async with running_webhooks(runtime) as dispatcher:
            assert dispatcher is not None
            await make_lead_events(db, clock)
            await asyncio.wait_for(receiver.wait_for(3), timeout=10)
    secret = derive_secret("m", "crm")
    for request in receiver.requests:
        header = request.headers["x-salesbot-signature"]
        assert verify_signature(secret, request.body, header, now=clock.now().timestamp())


def test_settings_validation_and_secrets() -> None:
    ok = WebhooksSettings.model_validate(
        {
            "endpoints": [
                {"name": "hubspot", "url": "https://h.example/x", "events": ["lead.created"]}
            ]
        }
    )
    with pytest.raises(ValueError, match="SALESBOT_WEBHOOK_SECRET"):
        build_endpoints(ok, None)
    [endpoint] = build_endpoints(ok, "master")
    assert endpoint.wants("lead.created") and not endpoint.wants("survey.completed")
    assert endpoint.secret == derive_secret("master", "hubspot") != derive_secret("master", "zoho")
    assert endpoint.secret not in repr(endpoint)
    assert build_endpoints(WebhooksSettings(), None) == ()
    bad = [
        ({"name": "x", "url": "ftp://x"}, "http"),
        ({"name": "x", "url": "https://x", "events": ["lead.exploded"]}, "unknown event"),
        ({"name": "Bad Name", "url": "https://x"}, "pattern"),
    ]
    for endpoint_data, message in bad:
        with pytest.raises(ValidationError, match=message):
            WebhooksSettings.model_validate({"endpoints": [endpoint_data]})
    with pytest.raises(ValidationError, match="unique"):
        WebhooksSettings.model_validate(
            {"endpoints": [{"name": "a", "url": "https://a"}, {"name": "a", "url": "https://b"}]}
        )
