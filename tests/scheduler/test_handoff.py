"""Unclaimed handoffs: re-announced, escalated, and the customer told when to expect an
answer outside working hours (#7). Staff messages go to an in-memory staff channel here;
test_slack_e2e.py runs the same through the Slack desk and the fake Slack Web API.

Friday 6 March 2026: the last reps (Kevin in Los Angeles, Daniel in New York) stop at 21:00
UTC; the next one to start is Maya in Shanghai, Monday 09:00 there (01:00 UTC), which is
Sunday 21:00 in New York, after its DST change.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.hub import ConversationHub
from bot.scheduler.schedule import schedule_handoff_followups
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models.ops import SlackCard
from crm_store.uow import UnitOfWork
from dialogs.core.transcript import address_key
from tests.driver import Chat, RecordingAdapter
from tests.scheduler.support import make_runner, staff_outbox

FRIDAY_EVENING = datetime(2026, 3, 6, 20, 50, tzinfo=UTC)


async def open_handoff(chat: Chat, db: Database, clock: FakeClock, settings) -> int:  # noqa: ANN001
    """The customer asks for a person; a card is posted (as the Slack desk does)."""
    await chat.say("I want to talk to a person")
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.open_at(address_key(chat.address))
        assert conversation is not None and conversation.status == "handoff"
        now = clock.now()
        card = SlackCard(
            kind="handoff",
            conversation_id=conversation.id,
            channel="C0SALES",
            ts="1.1",
            status="open",
            announcements=1,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(card)
        await uow.session.flush()
        await schedule_handoff_followups(
            uow,
            card_id=card.id,
            conversation_id=conversation.id,
            contact_id=conversation.contact_id,
            requested_at=now,
            settings=settings,
        )
        return card.id


async def test_reannounced_then_escalated_and_told_when_reps_are_back(
    chat: Chat,
    hub: ConversationHub,
    seeded_db: Database,
    clock: FakeClock,
    settings,  # noqa: ANN001
    content,  # noqa: ANN001
    adapters: dict[str, RecordingAdapter],
) -> None:
    clock.set(FRIDAY_EVENING)
    card_id = await open_handoff(chat, seeded_db, clock, settings)
    runner = make_runner(seeded_db, clock, settings, content, hub=hub)
    staff, channel = staff_outbox(seeded_db, clock)
    before = len(adapters["webchat"].sent)

    clock.advance(minutes=9)
    assert (await runner.run_due()).ran == 0
    clock.advance(minutes=1)
    assert (await runner.run_due()).kinds == ["handoff.reannounce"]
    await staff.deliver_due()
    assert [(m.target, m.kind) for m in channel.sent] == [
        ("sales", "handoff_reannounce"),
        ("sales", "handoff_after_hours"),
    ]
    assert "10 min" in channel.sent[0].text
    assert channel.sent[0].content["buttons"] == [
        {"title": "Claim", "payload": f"handoff:claim:{card_id}"}
    ]
    [told] = [s.reply for s in adapters["webchat"].sent[before:]]
    assert told.text == content.text(
        "handoff_outside_hours", "en", when="Sun 08 Mar 2026, 21:00 (America/New_York)"
    )
    async with UnitOfWork(seeded_db, clock) as uow:
        assert (await uow.session.get(SlackCard, card_id)).announcements == 2  # type: ignore[union-attr]

    clock.advance(minutes=20)
    assert (await runner.run_due()).kinds == ["handoff.escalate"]
    await staff.deliver_due()
    assert [(m.target, m.kind) for m in channel.sent[2:]] == [("managers", "handoff_escalate")]
    assert "30 min" in channel.sent[2].text
    assert len(adapters["webchat"].sent) == before + 1  # told once, not again


async def test_a_claimed_handoff_is_neither_reannounced_nor_escalated(
    chat: Chat,
    hub: ConversationHub,
    seeded_db: Database,
    clock: FakeClock,
    settings,  # noqa: ANN001
    content,  # noqa: ANN001
    adapters: dict[str, RecordingAdapter],
) -> None:
    card_id = await open_handoff(chat, seeded_db, clock, settings)  # Monday, reps working
    runner = make_runner(seeded_db, clock, settings, content, hub=hub)
    staff, channel = staff_outbox(seeded_db, clock)
    clock.advance(minutes=10)
    await runner.run_due()
    await staff.deliver_due()
    assert [m.kind for m in channel.sent] == ["handoff_reannounce"]  # in hours: no customer note
    async with UnitOfWork(seeded_db, clock) as uow:
        card = await uow.session.get(SlackCard, card_id)
        assert card is not None
        card.status, card.claimed_by_rep_id = "claimed", 3
    clock.advance(minutes=20)
    assert (await runner.run_due()).kinds == ["handoff.escalate"]
    await staff.deliver_due()
    assert [m.kind for m in channel.sent] == ["handoff_reannounce"]
