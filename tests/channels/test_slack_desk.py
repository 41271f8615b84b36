"""The reps' desk end to end (#6): a customer asks for a human, a card appears in the sales
channel, a rep claims it and answers from the thread, others' replies and notes stay
internal, Resolve hands the conversation back to the bot and schedules the survey.

Runs for a web chat visitor (the recording adapter at the transport seam) and for a
Telegram user (the real aiogram channel against the fake Bot API server), through the real
hub, store, bolt app (signed requests on /slack/events) and the fake Slack Web API.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bot.settings.model import Settings
from channels.telegram.channel import TelegramChannel, make_bot
from channels.telegram.limiter import SendLimiter
from channels.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import Conversation, Message, ScheduledTask
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from dialogs.core.transcript import address_key
from dialogs.core.types import ChannelAddress
from dialogs.nlu import NluService
from tests.channels.slack_kit import (  # noqa: F401
    DANIEL,
    LENA,
    SALES,
    SlackRig,
    fake_slack_fixture,
    make_rig,
)
from tests.channels.telegram_kit import SECRET, Updates, VirtualTime
from tests.driver import Chat, RecordingAdapter
from tests.fakes.slack_api import FakeSlack, buttons_of, text_of
from tests.fakes.telegram_api import TOKEN as TG_TOKEN
from tests.fakes.telegram_api import FakeTelegram

TG_CHAT = 5550001
AGENT_MARK = "\N{BUST IN SILHOUETTE} "


class Customer:
    """One customer on their own channel: what they say, and what reaches them."""

    address: ChannelAddress

    async def say(self, text: str) -> None: ...

    def received(self) -> list[tuple[str, str]]:  # (text, role)
        raise NotImplementedError


@dataclass
class WebVisitor(Customer):
    chat: Chat

    def __post_init__(self) -> None:
        self.address = self.chat.address

    async def say(self, text: str) -> None:
        await self.chat.say(text)

    def received(self) -> list[tuple[str, str]]:
        return [(s.reply.text, s.role) for s in self.chat.adapter.sent if s.address == self.address]


@dataclass
class TelegramUser(Customer):
    server: FakeTelegram
    client: httpx.AsyncClient
    updates: Updates

    def __post_init__(self) -> None:
        self.address = ChannelAddress("telegram", str(TG_CHAT))

    async def say(self, text: str) -> None:
        user = self.updates.user(TG_CHAT, first_name="Jo")
        user["last_name"] = "Miller"
        update = self.updates.text(TG_CHAT, text, user=user)
        response = await self.client.post(
            WEBHOOK_PATH, json=update, headers={SECRET_HEADER: SECRET}
        )
        assert response.status_code == 200, response.text

    def received(self) -> list[tuple[str, str]]:
        # The Telegram renderer marks a rep's message with a person icon.
        found = []
        for message in self.server.sent(TG_CHAT):
            text = html.unescape(message["text"])
            agent = text.startswith(AGENT_MARK)
            found.append((text.removeprefix(AGENT_MARK), "agent" if agent else "bot"))
        return found


@pytest.fixture(params=["webchat", "telegram"])
async def desk(
    request: pytest.FixtureRequest,
    fake_slack: FakeSlack,
    seeded_db: Database,
    clock: FakeClock,
    settings: Settings,
    content: Content,
    understanding: NluService,
) -> AsyncIterator[tuple[SlackRig, Customer]]:
    parts: dict[str, Any] = {
        "server": fake_slack,
        "db": seeded_db,
        "clock": clock,
        "settings": settings,
        "content": content,
        "understanding": understanding,
    }
    if request.param == "webchat":
        async for rig in make_rig(**parts):
            chat = Chat(
                rig.hub, rig.adapters["webchat"], "web-jo", "web-jo", display_name="Jo Miller"
            )
            yield rig, WebVisitor(chat)
        return
    telegram_server = await FakeTelegram().start()
    rigs: list[SlackRig] = []

    async def receive(inbound: Any) -> Any:
        return await rigs[0].hub.receive(inbound)

    time = VirtualTime()
    telegram = TelegramChannel(
        make_bot(TG_TOKEN, telegram_server.base_url),
        receive,
        mode="webhook",
        webhook_secret=SECRET,
        limiter=SendLimiter(monotonic=time.monotonic, sleep=time.sleep),
        register=False,
    )
    app = FastAPI()
    app.include_router(telegram.webhook_router())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tg.test")
    adapters = {"webchat": RecordingAdapter("webchat"), "telegram": telegram.adapter}
    try:
        async for rig in make_rig(**parts, adapters=adapters):
            rigs.append(rig)
            yield rig, TelegramUser(telegram_server, client, Updates())
    finally:
        await client.aclose()
        await telegram.bot.session.close()
        await telegram_server.stop()


async def conversation_of(rig: SlackRig, address: ChannelAddress) -> Conversation:
    async with UnitOfWork(rig.db, rig.clock) as uow:
        conversation = await uow.conversations.open_at(address_key(address))
        assert conversation is not None
        return conversation


async def tasks(rig: SlackRig) -> list[ScheduledTask]:
    async with UnitOfWork(rig.db, rig.clock) as uow:
        return list(
            (await uow.session.scalars(select(ScheduledTask).order_by(ScheduledTask.id))).all()
        )


async def test_handoff_from_request_to_resolve(desk: tuple[SlackRig, Customer]) -> None:
    rig, customer = desk
    server = rig.server
    await customer.say("hi there")
    await customer.say("can I talk to a human? <!channel> look at <https://evil.example|this>")
    await rig.drain()

    # A card in the sales channel: who, where, what they asked, the transcript, the buttons.
    cards = [c for c in server.posts(SALES) if "thread_ts" not in c.params]
    assert len(cards) == 1
    card_call = cards[0]
    shown = text_of(card_call.params["blocks"])
    assert "Jo Miller" in shown
    assert ("Web chat" if customer.address.channel == "webchat" else "Telegram") in shown
    assert "English" in shown
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in str(card_call.params)
    assert "<https://evil.example|this>" not in str(card_call.params)
    assert "hi there" in shown  # the transcript
    assert buttons_of(card_call.params["blocks"]) == [
        "handoff:claim:1",
        "handoff:resolve:1",
        "handoff:bot:1",
    ]
    card = await rig.card(1)
    assert (card.kind, card.status, card.channel, card.ts) == (
        "handoff",
        "open",
        SALES,
        card_call.answer["ts"],
    )
    conversation = await conversation_of(rig, customer.address)
    assert conversation.status == "handoff"
    assert conversation.slack_thread_ts == card.ts
    timers = {t.kind: t for t in await tasks(rig)}
    now = rig.clock.now()
    assert timers["handoff.reannounce"].due_at == now + timedelta(minutes=10)
    assert timers["handoff.escalate"].due_at == now + timedelta(minutes=30)
    assert timers["handoff.escalate"].payload == {"card_id": 1, "conversation_id": conversation.id}
    assert (
        timers["handoff.escalate"].dedupe_key
        == f"contact:{conversation.contact_id}:handoff:1:escalate"
    )

    # Daniel claims: the card shows him, the customer hears who joined, the timers stop.
    await rig.click(DANIEL, "handoff:claim:1", message=_message(card_call))
    await rig.drain()
    card = await rig.card(1)
    assert card.status == "claimed" and card.claimed_by_rep_id is not None
    updated = server.of("chat.update")[-1].params
    assert updated["ts"] == card.ts
    assert f"Claimed by <@{DANIEL}>" in text_of(updated["blocks"])
    assert buttons_of(updated["blocks"]) == ["handoff:resolve:1", "handoff:bot:1"]
    assert any("Daniel Brooks" in text for text, _ in customer.received())
    assert {t.state for t in await tasks(rig)} == {"cancelled"}

    # The customer's next message appears in the thread, escaped; the bot stays quiet.
    before = len(customer.received())
    await customer.say("Is the Cam 4K in stock? <!here>")
    await rig.drain()
    in_thread = server.posts(SALES, thread_ts=card.ts)
    relayed = in_thread[-1].params
    assert "Is the Cam 4K in stock?" in relayed["text"]
    assert "&lt;!here&gt;" in relayed["text"] and "<!here>" not in str(relayed)
    assert customer.received()[before:] == []

    # Daniel's reply reaches the customer as plain text.
    await rig.thread_reply(
        DANIEL, "*Yes!* It ships in <https://auralis.example/ship|2 days> &amp; free"
    )
    got = customer.received()[before:]
    assert [text for text, _ in got] == [
        "Yes! It ships in 2 days (https://auralis.example/ship) & free"
    ]
    assert got[0][1] == "agent"

    # Lena's reply and Daniel's note stay in Slack.
    await rig.thread_reply(LENA, "I can take the next one")
    await rig.thread_reply(DANIEL, "note: VIP, offer the bundle")
    assert customer.received()[before + 1 :] == []
    async with UnitOfWork(rig.db, rig.clock) as uow:
        stored = [m.text for m in await uow.messages.transcript(conversation.id)]
    assert "I can take the next one" not in stored
    assert not any("VIP" in text for text in stored)

    # Resolve: back to the bot, a survey scheduled for later, the card says so.
    await rig.click(DANIEL, "handoff:resolve:1", message=_message(card_call))
    await rig.drain()
    conversation = await conversation_of(rig, customer.address)
    assert conversation.status == "bot"
    assert (await rig.card(1)).status == "resolved"
    survey = [t for t in await tasks(rig) if t.kind == "survey.dispatch"]
    assert len(survey) == 1
    assert survey[0].due_at == rig.clock.now() + timedelta(minutes=30)
    assert survey[0].payload == {
        "conversation_id": conversation.id,
        "trigger": "handoff",
        "trigger_ref": "handoff:1",
    }
    assert survey[0].dedupe_key == f"contact:{conversation.contact_id}:survey:handoff:1"
    assert "Resolved by" in text_of(server.of("chat.update")[-1].params["blocks"])
    assert "has ended" in customer.received()[-1][0]

    # The bot answers again.
    before = len(customer.received())
    await customer.say("How much is the Auralis Cam 4K?")
    assert customer.received()[before:], "the bot should answer after the handoff"


def _message(call: Any) -> dict[str, Any]:
    return {
        "ts": call.answer["ts"],
        "text": call.params["text"],
        "blocks": call.params["blocks"],
    }


async def test_agent_message_is_in_the_transcript(desk: tuple[SlackRig, Customer]) -> None:
    rig, customer = desk
    await customer.say("can I talk to a human?")
    await rig.drain()
    await rig.click(DANIEL, "handoff:claim:1")
    await rig.drain()
    await rig.thread_reply(DANIEL, "Hello from Daniel")
    conversation = await conversation_of(rig, customer.address)
    async with UnitOfWork(rig.db, rig.clock) as uow:
        rows = (
            await uow.session.scalars(
                select(Message).where(
                    Message.conversation_id == conversation.id, Message.role == "agent"
                )
            )
        ).all()
    assert [(m.text, m.delivery) for m in rows] == [("Hello from Daniel", "delivered")]
    assert rows[0].channel_message_id and rows[0].channel_message_id.startswith("slack-reply:")
