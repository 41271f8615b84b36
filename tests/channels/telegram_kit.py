"""Fixtures and helpers shared by the Telegram tests: the fake Bot API server, virtual time,
and a rig of the real hub + the real ``TelegramChannel`` in webhook or polling mode.

Test modules import the fixtures they use, by their function names (``rig_fixture``...).
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bot.assembly import build_hub
from bot.handoff import InMemoryHandoff
from bot.hub import ConversationHub
from bot.settings.model import Settings
from channels.telegram.channel import TelegramChannel, make_bot
from channels.telegram.limiter import SendLimiter
from channels.telegram.render import callback_data
from channels.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from crm_store.clock import FakeClock
from crm_store.database import Database
from dialogs.core.content import Content
from dialogs.core.types import InboundMessage, Receipt
from dialogs.nlu import NluService
from tests.driver import RecordingAdapter
from tests.fakes.telegram_api import BOT_ID, BOT_USERNAME, TOKEN, FakeTelegram

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"
SECRET = "s3cr3t-webhook_token"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


class VirtualTime:
    """``monotonic``/``sleep`` for the limiter: sleeping moves time on instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class ManualTime:
    """``sleep`` returns only when the test moves time past its deadline (``advance``)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []
        self.someone_sleeps = asyncio.Event()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.now + seconds, future))
        self.someone_sleeps.set()
        await future

    @property
    def sleeping(self) -> int:
        return sum(1 for _, f in self._sleepers if not f.done())

    async def advance(self, seconds: float) -> None:
        self.now += seconds
        for deadline, future in self._sleepers:
            if deadline <= self.now and not future.done():
                future.set_result(None)
        self._sleepers = [(d, f) for d, f in self._sleepers if not f.done()]
        for _ in range(20):  # let the woken tasks run to their next await
            await asyncio.sleep(0)


class Updates:
    """Builds Bot API updates as Telegram sends them, with increasing update ids."""

    def __init__(self, start: int = 900_000_000) -> None:
        self._ids = itertools.count(start)
        self._message_ids = itertools.count(1)

    @staticmethod
    def user(user_id: int, first_name: str = "Ann", language: str = "en") -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "username": f"user{user_id}",
            "language_code": language,
        }

    def text(
        self, chat_id: int, text: str, *, user: dict[str, Any] | None = None, **extra: Any
    ) -> dict[str, Any]:
        user = user or self.user(chat_id)
        chat = (
            {"id": chat_id, "type": "private", "first_name": user["first_name"]}
            if chat_id > 0
            else {"id": chat_id, "type": "supergroup", "title": "Team"}
        )
        message = {
            "message_id": next(self._message_ids),
            "from": user,
            "chat": chat,
            "date": 1772463600,
            "text": text,
            **extra,
        }
        return {"update_id": next(self._ids), "message": message}

    def click(
        self,
        shown: dict[str, Any],
        data: str,
        *,
        user: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A callback query for a button of ``shown`` (a recorded sendMessage)."""
        chat_id = int(shown["chat_id"])
        user = user or self.user(chat_id)
        message = {
            "message_id": next(self._message_ids),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Auralis"},
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "date": 1772463600,
            "text": shown["text"],
            "reply_markup": shown["reply_markup"],
        }
        if "message_thread_id" in shown:
            message["message_thread_id"] = int(shown["message_thread_id"])
            message["is_topic_message"] = True
        query = {
            "id": f"cb{next(self._ids)}",
            "from": user,
            "message": message,
            "chat_instance": "-42",
            "data": data,
        }
        return {"update_id": next(self._ids), "callback_query": query}


def inline_data(shown: dict[str, Any]) -> list[str]:
    markup = shown.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


@pytest.fixture(name="fake_telegram")
async def fake_telegram_fixture() -> AsyncIterator[FakeTelegram]:
    server = await FakeTelegram().start()
    yield server
    await server.stop()


@dataclass
class Rig:
    """The real hub and the real Telegram channel, talking to the fake Bot API server."""

    mode: str
    server: FakeTelegram
    hub: ConversationHub
    channel: TelegramChannel
    webchat: RecordingAdapter
    time: VirtualTime
    db: Database
    clock: FakeClock
    client: httpx.AsyncClient
    updates: Updates = field(default_factory=Updates)
    receipts: list[Receipt] = field(default_factory=list)

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return await self.client.post(WEBHOOK_PATH, json=update, headers=headers)

    async def deliver(self, update: dict[str, Any]) -> None:
        """Hand one update to the bot the way the mode does, and wait until it is handled."""
        if self.mode == "webhook":
            response = await self.post(update)
            assert response.status_code == 200, response.text
            return
        await self.server.push(update)
        await self.server.wait_confirmed(update["update_id"])

    def last_sent(self, chat_id: int) -> dict[str, Any]:
        return self.server.sent(chat_id)[-1]

    async def say(self, chat_id: int, text: str, **kw: Any) -> list[dict[str, Any]]:
        before = len(self.server.sent(chat_id))
        await self.deliver(self.updates.text(chat_id, text, **kw))
        return self.server.sent(chat_id)[before:]

    async def click(self, chat_id: int, payload: str, **kw: Any) -> list[dict[str, Any]]:
        """Click the button with ``payload`` on the latest message that shows it."""
        data = callback_data(payload)
        shown = next(
            (m for m in reversed(self.server.sent(chat_id)) if data in inline_data(m)), None
        )
        assert shown is not None, f"no button {payload!r} was shown in chat {chat_id}"
        before = len(self.server.sent(chat_id))
        await self.deliver(self.updates.click(copy.deepcopy(shown), data, **kw))
        return self.server.sent(chat_id)[before:]


async def make_rig(
    mode: str,
    *,
    server: FakeTelegram,
    db: Database,
    clock: FakeClock,
    settings: Settings,
    content: Content,
    understanding: NluService,
    handoff: InMemoryHandoff,
) -> AsyncIterator[Rig]:
    time = VirtualTime()
    hub_ref: list[ConversationHub] = []

    async def receive(inbound: InboundMessage) -> Receipt:
        receipt = await hub_ref[0].receive(inbound)
        rig.receipts.append(receipt)
        return receipt

    channel = TelegramChannel(
        make_bot(TOKEN, server.base_url),
        receive,
        mode="webhook" if mode == "webhook" else "polling",
        webhook_secret=SECRET,
        limiter=SendLimiter(monotonic=time.monotonic, sleep=time.sleep),
        poll_timeout=5,
    )
    webchat = RecordingAdapter("webchat")
    hub = build_hub(
        settings=settings,
        content=content,
        db=db,
        clock=clock,
        nlu=NluService(understanding.models, clock=clock, timezone=understanding.timezone),
        adapters={"telegram": channel.adapter, "webchat": webchat},
        handoff=handoff,
    )
    hub_ref.append(hub)
    app = FastAPI()
    app.include_router(channel.webhook_router())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test")
    rig = Rig(mode, server, hub, channel, webchat, time, db, clock, client)
    await channel.start()
    try:
        yield rig
    finally:
        await channel.stop()
        await client.aclose()


@pytest.fixture(name="rig_parts")
def rig_parts_fixture(
    fake_telegram: FakeTelegram,
    seeded_db: Database,
    clock: FakeClock,
    settings: Settings,
    content: Content,
    understanding: NluService,
    handoff: InMemoryHandoff,
) -> dict[str, Any]:
    return {
        "server": fake_telegram,
        "db": seeded_db,
        "clock": clock,
        "settings": settings,
        "content": content,
        "understanding": understanding,
        "handoff": handoff,
    }


@pytest.fixture(name="rig", params=["webhook", "polling"])
async def rig_fixture(
    request: pytest.FixtureRequest, rig_parts: dict[str, Any]
) -> AsyncIterator[Rig]:
    async for value in make_rig(request.param, **rig_parts):
        yield value


@pytest.fixture(name="webhook_rig")
async def webhook_rig_fixture(rig_parts: dict[str, Any]) -> AsyncIterator[Rig]:
    async for value in make_rig("webhook", **rig_parts):
        yield value


@pytest.fixture(name="polling_rig")
async def polling_rig_fixture(rig_parts: dict[str, Any]) -> AsyncIterator[Rig]:
    async for value in make_rig("polling", **rig_parts):
        yield value


__all__ = ["BOT_ID", "BOT_USERNAME", "SECRET", "TOKEN"]
