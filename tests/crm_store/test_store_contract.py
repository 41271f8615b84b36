"""The store's contract, run against SQLite and PostgreSQL (issue #2)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.errors import (
    AlreadyAnswered,
    DuplicateMessage,
    FollowUpOverlap,
    IdentityTaken,
    InvalidTransition,
)
from crm_store.models import Delivery, FollowUpStatus, LeadStatus, Role
from crm_store.repositories.conversations import AddressKey
from crm_store.uow import UnitOfWork
from dialogs.core.transcript import address_key, inbound_fields, message_to_reply, reply_fields
from dialogs.core.types import Button, ChannelAddress, InboundMessage, Reply

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
ADDR = ChannelAddress("telegram", "1001")


async def _lead_and_rep(uow: UnitOfWork) -> tuple[int, int]:
    contact = await uow.contacts.create(name="Ann")
    lead = await uow.leads.create(contact.id, source_channel="webchat")
    rep = await uow.reps.upsert(name="Rep", email="rep@x.example", timezone="Europe/Berlin")
    return lead.id, rep.id


async def test_channel_identity_is_unique(db: Database, clock: FakeClock) -> None:
    async with UnitOfWork(db, clock) as uow:
        a = await uow.contacts.create(name="A")
        b = await uow.contacts.create(name="B")
        await uow.contacts.add_identity(a, "telegram", "42")
        with pytest.raises(IdentityTaken):
            await uow.contacts.add_identity(b, "telegram", "42")
        # The same external id on another channel is another identity.
        await uow.contacts.add_identity(b, "slack", "42")
    async with UnitOfWork(db, clock) as uow:
        owner = await uow.contacts.by_identity("telegram", "42")
        assert owner is not None and owner.name == "A"


async def test_get_or_create_for_identity_is_idempotent(db: Database, clock: FakeClock) -> None:
    async with UnitOfWork(db, clock) as uow:
        first = await uow.contacts.get_or_create_for_identity("webchat", "v1", display_name="V")
    async with UnitOfWork(db, clock) as uow:
        again = await uow.contacts.get_or_create_for_identity("webchat", "v1")
    assert first.id == again.id


async def test_duplicate_channel_message_id_is_refused(db: Database, clock: FakeClock) -> None:
    msg = InboundMessage(ADDR, user_id="u1", text="hi", message_id="update-1")
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.get_or_create_for_identity("telegram", "u1")
        conv = await uow.conversations.open_or_create(address_key(ADDR), contact.id)
        await uow.messages.add_inbound(conv, **inbound_fields(msg))
    with pytest.raises(DuplicateMessage):
        async with UnitOfWork(db, clock) as uow:
            conv = await uow.conversations.open_or_create(address_key(ADDR), contact.id)
            await uow.messages.add_inbound(conv, **inbound_fields(msg))
    async with UnitOfWork(db, clock) as uow:
        conv = await uow.conversations.open_or_create(address_key(ADDR), contact.id)
        assert [m.text for m in await uow.messages.transcript(conv.id)] == ["hi"]
        # The same id on another channel is a different message.
        other = InboundMessage(ChannelAddress("slack", "D1"), "u1", "hi", message_id="update-1")
        conv2 = await uow.conversations.open_or_create(address_key(other.address), contact.id)
        await uow.messages.add_inbound(conv2, **inbound_fields(other))


async def test_sequence_numbers_and_outbox(db: Database, clock: FakeClock) -> None:
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.create()
        conv = await uow.conversations.open_or_create(address_key(ADDR), contact.id)
        await uow.messages.add_inbound(
            conv, **inbound_fields(InboundMessage(ADDR, "u", "price?", message_id="m1"))
        )
        reply = Reply("From $899", buttons=(Button("Get a quote", "lead:start"),))
        out = await uow.messages.add_outbound(conv, **reply_fields(reply))
        assert out.seq == 2 and out.delivery == Delivery.PENDING
    async with UnitOfWork(db, clock) as uow:
        due = await uow.messages.outbox_due(clock.now())
        assert [m.id for m in due] == [out.id]
        assert message_to_reply(due[0]) == reply
        await uow.messages.mark_attempt_failed(due[0], "timeout", clock.now() + timedelta(1))
    async with UnitOfWork(db, clock) as uow:
        assert await uow.messages.outbox_due(clock.now()) == []
        clock.advance(days=2)
        (again,) = await uow.messages.outbox_due(clock.now())
        await uow.messages.mark_delivered(again, "tg-77")
    async with UnitOfWork(db, clock) as uow:
        assert await uow.messages.outbox_due(clock.now()) == []
        (_, delivered) = await uow.messages.transcript(conv.id)
        assert delivered.delivery == Delivery.DELIVERED and delivered.attempts == 2


async def test_one_open_conversation_per_address(db: Database, clock: FakeClock) -> None:
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.create()
        first = await uow.conversations.open_or_create(address_key(ADDR), contact.id)
        assert (
            await uow.conversations.open_or_create(address_key(ADDR), contact.id)
        ).id == first.id
        await uow.conversations.save_state(first, {"flow": "lead", "step": 2})
        await uow.conversations.set_status(first, "closed")
        second = await uow.conversations.open_or_create(address_key(ADDR), contact.id)
        assert second.id != first.id and second.state == {}
        with pytest.raises(InvalidTransition):
            await uow.conversations.set_status(first, "bot")
    async with UnitOfWork(db, clock) as uow:
        assert (await uow.conversations.get(first.id)).state == {"flow": "lead", "step": 2}


async def test_follow_ups_of_one_rep_never_overlap(db: Database, clock: FakeClock) -> None:
    async with UnitOfWork(db, clock) as uow:
        lead_id, rep_id = await _lead_and_rep(uow)
        first = await uow.follow_ups.book(
            lead_id=lead_id,
            rep_id=rep_id,
            starts_at=T0,
            ends_at=T0 + timedelta(minutes=30),
            customer_timezone="Asia/Shanghai",
        )
        assert first.duration_minutes == 30
        with pytest.raises(FollowUpOverlap):
            await uow.follow_ups.book(
                lead_id=lead_id,
                rep_id=rep_id,
                starts_at=T0 + timedelta(minutes=15),
                ends_at=T0 + timedelta(minutes=45),
                customer_timezone="UTC",
            )
        # Back to back is fine.
        second = await uow.follow_ups.book(
            lead_id=lead_id,
            rep_id=rep_id,
            starts_at=T0 + timedelta(minutes=30),
            ends_at=T0 + timedelta(minutes=60),
            customer_timezone="UTC",
        )
        # Rescheduling into another follow-up is refused and leaves the row unchanged.
        with pytest.raises(FollowUpOverlap):
            await uow.follow_ups.reschedule(
                second, T0 + timedelta(minutes=10), T0 + timedelta(minutes=40)
            )
        assert second.starts_at == T0 + timedelta(minutes=30)
        # A cancelled follow-up frees its slot.
        await uow.follow_ups.set_status(first, FollowUpStatus.CANCELLED)
        third = await uow.follow_ups.book(
            lead_id=lead_id,
            rep_id=rep_id,
            starts_at=T0,
            ends_at=T0 + timedelta(minutes=30),
            customer_timezone="UTC",
        )
        busy = await uow.follow_ups.busy([rep_id], T0, T0 + timedelta(hours=2))
        assert [f.id for f in busy] == [third.id, second.id]
        assert busy[0].starts_at == T0 and busy[0].starts_at.tzinfo is not None


async def test_concurrent_bookings_of_one_slot_yield_one(db: Database, clock: FakeClock) -> None:
    async with UnitOfWork(db, clock) as uow:
        lead_id, rep_id = await _lead_and_rep(uow)

    async def book() -> bool:
        try:
            async with UnitOfWork(db, clock) as uow:
                await uow.follow_ups.book(
                    lead_id=lead_id,
                    rep_id=rep_id,
                    starts_at=T0,
                    ends_at=T0 + timedelta(minutes=30),
                    customer_timezone="UTC",
                )
            return True
        except FollowUpOverlap:
            return False

    results = await asyncio.gather(*(book() for _ in range(5)))
    assert results.count(True) == 1


async def test_lead_pipeline_records_each_transition(db: Database, clock: FakeClock) -> None:
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.create(name="Li")
        lead = await uow.leads.create(contact.id, source_channel="telegram", campaign="spring")
        for status in ("qualified", "meeting_booked", "won"):
            clock.advance(hours=1)
            await uow.leads.transition(lead, status, actor="rep:1")
        with pytest.raises(InvalidTransition):
            await uow.leads.transition(lead, LeadStatus.LOST)
    async with UnitOfWork(db, clock) as uow:
        lead = await uow.leads.get(lead.id)
        assert lead.status == "won" and lead.campaign == "spring"
        steps = [(t.from_status, t.to_status) for t in lead.transitions]
        assert steps == [
            (None, "new"),
            ("new", "qualified"),
            ("qualified", "meeting_booked"),
            ("meeting_booked", "won"),
        ]
        times = [t.at for t in lead.transitions]
        assert times == sorted(times) and times[-1] - times[0] == timedelta(hours=3)


async def test_contacts_merge_on_email_or_phone(db: Database, clock: FakeClock) -> None:
    async with UnitOfWork(db, clock) as uow:
        tg = await uow.contacts.get_or_create_for_identity("telegram", "55", display_name="Ann")
        await uow.contacts.update(tg, email="Ann@Example.com")
        await uow.leads.create(tg.id, source_channel="telegram")
    async with UnitOfWork(db, clock) as uow:
        web = await uow.contacts.get_or_create_for_identity("webchat", "visitor-9")
        conv = await uow.conversations.open_or_create(AddressKey("webchat", "visitor-9"), web.id)
        survivor = await uow.contacts.update(web, email="ann@example.com", company="Acme")
        assert survivor.id == tg.id and survivor.company == "Acme"
    async with UnitOfWork(db, clock) as uow:
        identities = await uow.contacts.identities(tg.id)
        assert {(i.channel, i.external_id) for i in identities} == {
            ("telegram", "55"),
            ("webchat", "visitor-9"),
        }
        assert (await uow.conversations.get(conv.id)).contact_id == tg.id
        assert (await uow.contacts.find_match(phone="+15550100")) is None
        assert [c.id for c in await uow.contacts.search("acme")] == [tg.id]


async def test_survey_one_request_per_trigger_one_answer_per_question(
    db: Database, clock: FakeClock
) -> None:
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.create()
        req, created = await uow.surveys.request(
            contact_id=contact.id, channel="webchat", trigger="handoff", trigger_ref="conv:1"
        )
        again, created_again = await uow.surveys.request(
            contact_id=contact.id, channel="webchat", trigger="handoff", trigger_ref="conv:1"
        )
        assert created and not created_again and again.id == req.id
        await uow.surveys.respond(req, "csat", score=5)
        with pytest.raises(AlreadyAnswered):
            await uow.surveys.respond(req, "csat", score=4)
        with pytest.raises(ValueError):
            await uow.surveys.respond(req, "nps", score=11)
        await uow.surveys.respond(req, "nps", score=9)
        await uow.surveys.respond(req, "comment", comment="great")
    async with UnitOfWork(db, clock) as uow:
        answers = {(r.kind, r.score) for r in await uow.surveys.responses(req.id)}
        assert answers == {("csat", 5), ("nps", 9), ("comment", None)}


async def test_tasks_are_deduplicated_and_claimed_once(db: Database, clock: FakeClock) -> None:
    async with UnitOfWork(db, clock) as uow:
        a = await uow.tasks.schedule("reminder", T0, {"follow_up": 1}, dedupe_key="rem:1:1440")
        b = await uow.tasks.schedule("reminder", T0, {"follow_up": 1}, dedupe_key="rem:1:1440")
        await uow.tasks.schedule("reminder", T0 + timedelta(hours=1), dedupe_key="rem:1:15")
        await uow.tasks.schedule("survey", T0 + timedelta(days=1))
        assert a.id == b.id
    clock.set(T0 + timedelta(minutes=90))
    async with UnitOfWork(db, clock) as uow:
        claimed = await uow.tasks.claim_due(clock.now())
        assert sorted(t.dedupe_key or "" for t in claimed) == ["rem:1:1440", "rem:1:15"]
        for task in claimed:
            await uow.tasks.finish(task)
    async with UnitOfWork(db, clock) as uow:
        assert await uow.tasks.claim_due(clock.now()) == []
        await uow.tasks.schedule("reminder", T0 + timedelta(days=3), dedupe_key="rem:2:15")
        assert await uow.tasks.cancel(dedupe_prefix="rem:2:") == 1
        assert [t.kind for t in await uow.tasks.pending()] == ["survey"]


async def test_consent_history_keeps_every_answer(db: Database, clock: FakeClock) -> None:
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.create()
        await uow.consents.record(
            contact.id, purpose="sales_contact", text_shown="May we?", granted=True, channel="web"
        )
        assert await uow.consents.current(contact.id, "sales_contact") is True
        clock.advance(minutes=5)
        await uow.consents.record(
            contact.id, purpose="sales_contact", text_shown="stop", granted=False, channel="web"
        )
        assert await uow.consents.current(contact.id, "sales_contact") is False
        assert len(await uow.consents.history(contact.id)) == 2
        await uow.audit.log(
            "admin:1", "contact.export", target_type="contact", target_id=contact.id
        )
        assert [e.action for e in await uow.audit.recent()] == ["contact.export"]


async def test_rollback_on_error_keeps_nothing(db: Database, clock: FakeClock) -> None:
    with pytest.raises(RuntimeError):
        async with UnitOfWork(db, clock) as uow:
            await uow.contacts.create(name="ghost")
            raise RuntimeError("boom")
    async with UnitOfWork(db, clock) as uow:
        assert await uow.contacts.search("ghost") == []


async def test_naive_datetimes_are_refused(db: Database, clock: FakeClock) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with UnitOfWork(db, clock) as uow:
            await uow.tasks.schedule("x", datetime(2026, 1, 1))


async def test_business_events_are_written_with_their_change(
    db: Database, clock: FakeClock
) -> None:
    async with UnitOfWork(db, clock) as uow:
        lead_id, rep_id = await _lead_and_rep(uow)
        lead = await uow.leads.get(lead_id)
        await uow.leads.transition(lead, "qualified")
        follow_up = await uow.follow_ups.book(
            lead_id=lead_id,
            rep_id=rep_id,
            starts_at=T0,
            ends_at=T0 + timedelta(minutes=30),
            customer_timezone="UTC",
        )
        await uow.follow_ups.set_status(follow_up, "cancelled")
        conv = await uow.conversations.open_or_create(address_key(ADDR), lead.contact_id)
        await uow.conversations.set_status(conv, "handoff")
        await uow.conversations.set_status(conv, "handoff")  # no second event
        req, _ = await uow.surveys.request(
            contact_id=lead.contact_id, channel="telegram", trigger="handoff", trigger_ref="c1"
        )
        await uow.surveys.respond(req, "csat", score=2)
        await uow.surveys.complete(req)
        await uow.surveys.complete(req)  # idempotent
    with pytest.raises(RuntimeError):
        async with UnitOfWork(db, clock) as uow:
            await uow.leads.create(lead.contact_id, source_channel="webchat")
            raise RuntimeError("rolled back: its event must vanish too")
    async with UnitOfWork(db, clock) as uow:
        events = await uow.events.after(0)
    assert [e.type for e in events] == [
        "lead.created",
        "lead.status_changed",
        "lead.qualified",
        "followup.booked",
        "followup.cancelled",
        "handoff.requested",
        "survey.completed",
    ]
    assert len({e.event_id for e in events}) == len(events)
    assert events[-1].data["csat"] == 2 and events[3].data["starts_at"] == T0.isoformat()


async def test_the_latest_matching_messages_are_read_from_the_end(
    db: Database, clock: FakeClock
) -> None:
    # A Slack card shows a conversation's last lines without reading it whole: the read
    # goes backwards a page at a time, past pages where nothing matches.
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.get_or_create_for_identity("webchat", "tail")
        conv = await uow.conversations.open_or_create(address_key(ADDR), contact.id)
        for i in range(1, 46):  # every third message blank; one customer line, long ago
            text = "" if i % 3 == 0 else f"line {i}"
            role = Role.CUSTOMER if i == 2 else Role.BOT
            await uow.messages.add_outbound(conv, text, role=role, flush=False)
        await uow.session.flush()
        tail = await uow.messages.latest_where(conv.id, lambda m: bool(m.text), 5)
        first = await uow.messages.latest_where(conv.id, lambda m: m.role == "customer", 1)
        none = await uow.messages.latest_where(conv.id, lambda m: m.text == "nope", 3)
    assert [m.text for m in tail] == ["line 38", "line 40", "line 41", "line 43", "line 44"]
    assert [m.text for m in first] == ["line 2"]
    assert none == []
