"""The store side of the desk, on SQLite and PostgreSQL: the atomic claim, closing a card,
and the agent-message duplicate guard when two workers handle the same Slack event.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import select

from bot.desk.slack.cards import HANDOFF, LEAD, SlackCards
from bot.desk.slack.relay import send_to_customer
from bot.hub import ConversationHub
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import Message, Rep
from crm_store.repositories.messages import MessageRepository
from crm_store.uow import UnitOfWork
from dialogs.core.transcript import address_key
from tests.driver import Chat


async def reps(db: Database, clock: FakeClock) -> list[Rep]:
    async with UnitOfWork(db, clock) as uow:
        return await uow.reps.list()


async def new_card(db: Database, clock: FakeClock, kind: str = HANDOFF) -> int:
    async with UnitOfWork(db, clock) as uow:
        return (await SlackCards(uow).create(kind, conversation_id=None, lead_id=None)).id


async def claim(db: Database, clock: FakeClock, card_id: int, rep_id: int) -> bool:
    async with UnitOfWork(db, clock) as uow:
        return await SlackCards(uow).claim(card_id, rep_id)


async def test_concurrent_claims_have_exactly_one_winner(
    seeded_db: Database, clock: FakeClock
) -> None:
    team = await reps(seeded_db, clock)
    assert len(team) >= 4
    for _ in range(3):
        card_id = await new_card(seeded_db, clock)
        won = await asyncio.gather(*(claim(seeded_db, clock, card_id, r.id) for r in team))
        assert sum(won) == 1
        winner = team[won.index(True)]
        async with UnitOfWork(seeded_db, clock) as uow:
            card = await SlackCards(uow).get(card_id)
            assert card is not None
            assert (card.status, card.claimed_by_rep_id) == ("claimed", winner.id)
            assert card.claimed_at == clock.now()
        # A later claim, even by the owner, changes nothing.
        assert not await claim(seeded_db, clock, card_id, winner.id)


async def test_closing_a_card(seeded_db: Database, clock: FakeClock) -> None:
    maya, lena = (await reps(seeded_db, clock))[:2]
    card_id = await new_card(seeded_db, clock)
    assert await claim(seeded_db, clock, card_id, maya.id)
    async with UnitOfWork(seeded_db, clock) as uow:
        cards = SlackCards(uow)
        assert not await cards.close(card_id, "resolved", by_rep_id=lena.id)
        assert await cards.close(card_id, "resolved", by_rep_id=maya.id)
        assert not await cards.close(card_id, "handed_back")  # already closed
        card = await cards.get(card_id)
        assert card is not None and card.status == "resolved"
    # A closed card cannot be claimed.
    assert not await claim(seeded_db, clock, card_id, lena.id)


async def test_card_lookups(seeded_db: Database, clock: FakeClock, chat: Chat) -> None:
    await chat.say("hi")
    async with UnitOfWork(seeded_db, clock) as uow:
        conversation = await uow.conversations.open_at(address_key(chat.address))
        assert conversation is not None
        cards = SlackCards(uow)
        handoff = await cards.create(HANDOFF, conversation_id=conversation.id, lead_id=None)
        lead_card = await cards.create(LEAD, conversation_id=conversation.id, lead_id=None)
        assert [c.id for c in await cards.unposted()] == [handoff.id, lead_card.id]
        await cards.mark_posted(handoff, "C0SALES", "1.000001")
        assert (await cards.by_message("C0SALES", "1.000001")) is handoff
        assert (await cards.live_handoff(conversation.id)) is handoff
        assert [c.id for c in await cards.live()] == [handoff.id]
        assert [c.id for c in await cards.unposted()] == [lead_card.id]


class NoLocks:
    """Two workers: nothing in memory keeps them apart, only the store."""

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        yield


async def test_two_workers_relaying_one_reply_store_it_once(
    hub: ConversationHub, new_chat: Callable[..., Chat], seeded_db: Database, clock: FakeClock
) -> None:
    chat = new_chat("webchat", "web-two-workers")
    await chat.say("hi")
    async with UnitOfWork(seeded_db, clock) as uow:
        conversation = await uow.conversations.open_at(address_key(chat.address))
        assert conversation is not None
    hub.locks = NoLocks()
    hub.outbox.locks = NoLocks()
    sent = await asyncio.gather(
        *(
            send_to_customer(hub, conversation.id, "From the rep", dedupe_id="slack-reply:C1:1.5")
            for _ in range(2)
        )
    )
    assert sorted(sent) == [False, True]
    async with UnitOfWork(seeded_db, clock) as uow:
        rows = (
            await uow.session.scalars(select(Message).where(Message.text == "From the rep"))
        ).all()
    assert len(rows) == 1 and rows[0].role == "agent"
    assert [r.text for r in chat.replies].count("From the rep") == 1


async def test_the_unique_constraint_is_the_last_word(
    hub: ConversationHub,
    new_chat: Callable[..., Chat],
    seeded_db: Database,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Even if the "seen already?" check misses (a race the row lock did not prevent), the
    store refuses the second copy and nothing reaches the customer twice."""
    chat = new_chat("webchat", "web-constraint")
    await chat.say("hi")
    async with UnitOfWork(seeded_db, clock) as uow:
        conversation = await uow.conversations.open_at(address_key(chat.address))
        assert conversation is not None

    async def never_seen(self: MessageRepository, channel: str, message_id: str) -> bool:
        return False

    monkeypatch.setattr(MessageRepository, "seen", never_seen)
    first = await send_to_customer(hub, conversation.id, "Once", dedupe_id="slack-reply:C1:2.5")
    second = await send_to_customer(hub, conversation.id, "Once", dedupe_id="slack-reply:C1:2.5")
    assert (first, second) == (True, False)
    assert [r.text for r in chat.replies].count("Once") == 1
