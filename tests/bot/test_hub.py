"""The hub: dedupe, ordering, outbox retries, crash-free flow failures (#3)."""

from __future__ import annotations

import asyncio

from bot.handoff import InMemoryHandoff
from bot.hub import ConversationHub
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import Delivery
from crm_store.uow import UnitOfWork
from dialogs.core.transcript import address_key, reply_fields
from tests.driver import Chat, RecordingAdapter


async def transcript(db: Database, clock: FakeClock, chat: Chat) -> list[tuple[str, str]]:
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.open_at(address_key(chat.address))
        assert conversation is not None
        return [(m.role, m.text) for m in await uow.messages.transcript(conversation.id)]


async def test_greeting_is_answered_and_stored(chat: Chat, db: Database, clock: FakeClock) -> None:
    replies = await chat.say("hello")
    assert len(replies) == 1 and "Auralis" in replies[0].text
    assert "lead:start" in chat.payloads()
    rows = await transcript(db, clock, chat)
    assert rows[0] == ("customer", "hello") and rows[1][0] == "bot"


async def test_same_message_three_times_gives_one_row_and_one_reply(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    message = chat.message("hi there", message_id="tg-update-1")
    first = await chat.send(message)
    again = await chat.send(message)
    concurrent = await asyncio.gather(chat.hub.receive(message), chat.hub.receive(message))
    assert len(first) == 1 and again == []
    assert {r.status for r in concurrent} == {"duplicate"}
    assert len(await transcript(db, clock, chat)) == 2


async def test_concurrent_duplicates_from_the_start(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    message = chat.message("hello", message_id="web-abc")
    receipts = await asyncio.gather(*(chat.hub.receive(message) for _ in range(3)))
    assert sorted(r.status for r in receipts) == ["duplicate", "duplicate", "handled"]
    assert len(chat.replies) == 1
    assert len(await transcript(db, clock, chat)) == 2


async def test_two_concurrent_messages_are_answered_in_order(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    first, second = chat.message("hello"), chat.message("thank you")
    await asyncio.gather(chat.hub.receive(first), chat.hub.receive(second))
    rows = await transcript(db, clock, chat)
    # "thank you" with nothing going on also brings the survey (survey.triggers: goodbye),
    # so the second answer may be two messages: what matters is that none comes early.
    roles = [r[0] for r in rows]
    assert roles[:4] == ["customer", "bot", "customer", "bot"] and set(roles[4:]) <= {"bot"}
    assert rows[0][1] == "hello" and rows[2][1] == "thank you"


async def test_failed_delivery_stays_in_outbox_and_is_retried_in_order(
    chat: Chat,
    hub: ConversationHub,
    adapters: dict[str, RecordingAdapter],
    db: Database,
    clock: FakeClock,
) -> None:
    adapters["webchat"].fail_next(1)
    assert await chat.say("hello") == []
    # Held back behind the failed one: order matters ("hello" again: a one-message answer,
    # where "thanks" would now also bring the survey).
    assert await chat.say("hello") == []
    clock.advance(seconds=5)
    assert await hub.outbox.deliver_due() == 2
    texts = [r.text for r in chat.replies]
    assert len(texts) == 2 and "Auralis" in texts[0]
    async with UnitOfWork(db, clock) as uow:
        assert await uow.messages.outbox_due(clock.now()) == []


async def test_permanent_failure_is_not_retried(
    chat: Chat,
    hub: ConversationHub,
    adapters: dict[str, RecordingAdapter],
    db: Database,
    clock: FakeClock,
) -> None:
    adapters["webchat"].fail_next(1, transient=False)
    await chat.say("hello")
    clock.advance(hours=2)
    assert await hub.outbox.deliver_due() == 0
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.open_at(address_key(chat.address))
        assert conversation is not None
        out = [m for m in await uow.messages.transcript(conversation.id) if m.direction == "out"]
        assert out[0].delivery == Delivery.FAILED and out[0].last_error == "simulated"


async def test_a_failing_flow_keeps_the_message_and_apologises(
    chat: Chat, hub: ConversationHub, db: Database, clock: FakeClock, monkeypatch
) -> None:
    async def broken(turn, **_):  # type: ignore[no-untyped-def]
        raise RuntimeError("bug in a flow")

    monkeypatch.setattr(hub.manager.flows["smalltalk"], "start", broken)
    replies = await chat.say("hello")
    assert len(replies) == 1 and "went wrong" in replies[0].text
    rows = await transcript(db, clock, chat)
    assert rows[0] == ("customer", "hello")


async def test_handoff_conversation_is_relayed_not_answered(
    chat: Chat, handoff: InMemoryHandoff, db: Database, clock: FakeClock
) -> None:
    await chat.say("I want to talk to a human")
    assert handoff.of_kind("requested")
    before = len(chat.replies)
    await chat.say("are you there?")
    assert len(chat.replies) == before  # the bot stays silent while a human owns it
    (relayed,) = handoff.of_kind("customer_message")
    assert relayed.text == "are you there?"


async def test_oversized_message_is_truncated_not_refused(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    await chat.say("x" * 50_000)
    rows = await transcript(db, clock, chat)
    assert len(rows[0][1]) == 4000 and len(rows) == 2


async def test_language_is_detected_and_sticky(chat: Chat) -> None:
    (reply,) = await chat.say("你好")
    assert "Auralis" in reply.text and any("\u4e00" <= ch <= "\u9fff" for ch in reply.text)
    (reply,) = await chat.say("ok")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reply.text)
    (reply,) = await chat.say("English please")
    assert "English" in reply.text


async def test_hashed_payload_resolves_to_an_offered_button(chat: Chat) -> None:
    from dialogs.core import payloads

    await chat.say("hello")
    offered = chat.payloads()
    assert "handoff:request" in offered
    short = payloads.digest("handoff:request")
    assert payloads.resolve(short, offered) == "handoff:request"
    receipt_replies = await chat.click(short)
    assert receipt_replies and "connecting you" in receipt_replies[0].text


async def test_unknown_hashed_payload_is_harmless(chat: Chat) -> None:
    await chat.say("hello")
    replies = await chat.click("h:0123456789abcdef")
    assert len(replies) == 1  # answered (a fallback), not crashed


async def test_campaign_is_kept_in_the_dialog_state(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    from dataclasses import replace

    await chat.send(replace(chat.message("hello"), campaign="spring_campaign"))
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.open_at(address_key(chat.address))
        assert conversation is not None and conversation.state["campaign"] == "spring_campaign"


async def test_a_typed_quick_reply_title_counts_as_the_click(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    from dialogs.core.types import Button, Reply

    await chat.say("hello")
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.open_at(address_key(chat.address))
        assert conversation is not None
        await uow.messages.add_outbound(
            conversation,
            **reply_fields(
                Reply("Need a person?", quick_replies=(Button("Yes please", "handoff:request"),))
            ),
        )
    replies = await chat.say("Yes please")
    # The first reply is the offer itself (it was still in the outbox), then the handoff.
    assert replies[0].text == "Need a person?" and "connecting you" in replies[-1].text


async def test_language_menu_and_start_greeting(chat: Chat) -> None:
    (menu,) = await chat.click("lang:choose")
    assert [b.payload for b in menu.buttons] == ["lang:en", "lang:zh"]
    (switched,) = await chat.click("lang:zh")
    assert "中文" in switched.text
    (greeting,) = await chat.click("help:start")
    assert "Auralis" in greeting.text and "lead:start" in chat.payloads()


async def test_agent_message_reaches_the_customer_and_the_transcript(
    chat: Chat, hub: ConversationHub, db: Database, clock: FakeClock
) -> None:
    await chat.say("I want to talk to a human")
    conversation_id = chat.receipts[-1].conversation_id
    assert conversation_id is not None
    await hub.send_as_agent(conversation_id, "Hi, Maya here. How can I help?", rep_id=None)
    assert chat.adapter.sent[-1].role == "agent"
    assert chat.last.text == "Hi, Maya here. How can I help?"
    rows = await transcript(db, clock, chat)
    assert rows[-1] == ("agent", "Hi, Maya here. How can I help?")


async def test_the_consent_click_delivered_three_times_makes_one_lead(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    # Issue #3: the same inbound message, delivered three times (also concurrently), creates
    # one message row, one lead and one reply.
    for text in ("I want a quote", "Ann Lee", "ann@example.com", "skip", "Acme GmbH", "12"):
        await chat.say(text)
    await chat.click("lead:skip")  # product interest
    await chat.click("lead:choice:lt1m")  # timeline
    await chat.click("lead:skip")  # budget
    assert "lead:consent:yes" in chat.payloads()
    consent = chat.message("Yes", payload="lead:consent:yes", message_id="consent-1")
    before = len(chat.replies)
    first = await chat.hub.receive(consent)
    concurrent = await asyncio.gather(chat.hub.receive(consent), chat.hub.receive(consent))
    assert first.status == "handled" and {r.status for r in concurrent} == {"duplicate"}
    assert len(chat.replies) == before + 1
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.by_identity("webchat", chat.user_id)
        assert contact is not None
        leads = await uow.leads.for_contact(contact.id)
        assert len(leads) == 1 and leads[0].status == "qualified"
    rows = await transcript(db, clock, chat)
    assert sum(1 for role, text in rows if role == "customer" and text == "Yes") == 1
