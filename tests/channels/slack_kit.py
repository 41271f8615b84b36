"""Shared by the Slack tests: signed requests, Slack payload builders, and a rig of the real
hub + the real ``SlackChannel`` (bolt app on ``/slack/events``) + the fake Web API.

Requests are signed with Slack's real v0 scheme: ``v0=`` + HMAC-SHA256 of
``v0:<timestamp>:<raw body>`` with the signing secret, in ``X-Slack-Signature``, with the
timestamp in ``X-Slack-Request-Timestamp``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk.web.async_client import AsyncWebClient

from bot.assembly import build_hub
from bot.desk.slack.hooks import SlackDeskHooks
from bot.hub import ConversationHub
from bot.settings.model import Settings
from channels.slack.channel import EVENTS_PATH, SlackChannel
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models.ops import SlackCard
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from dialogs.core.types import InboundMessage, Receipt
from dialogs.nlu import NluService
from tests.driver import RecordingAdapter
from tests.fakes.slack_api import TEAM_ID, TOKEN, FakeSlack

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SALES = "C0SALES"
# Slack member ids of the demo reps (config/reps.yaml).
MAYA, LENA, DANIEL, KEVIN = "U0MAYA001", "U0LENA002", "U0DANB003", "U0KEVL004"
STRANGER = "U0NOTAREP"


def sign(body: bytes, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


class Payloads:
    """Slack request bodies as Slack sends them (Events API JSON, form-encoded interactivity
    and slash commands)."""

    def __init__(self) -> None:
        self._events = itertools.count(1)
        self._ts = itertools.count(1)
        self._actions = itertools.count(1)

    def ts(self) -> str:
        return f"1772470000.{next(self._ts):06d}"

    def message(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        im: bool = False,
        **extra: Any,
    ) -> dict[str, Any]:
        ts = self.ts()
        event: dict[str, Any] = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "im" if im else "channel",
            "client_msg_id": f"cm-{ts}",
            **extra,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0SALESBOT",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{next(self._events):08d}",
            "event_time": 1772470000,
            "authorizations": [{"team_id": TEAM_ID, "user_id": "U0BOT0001", "is_bot": True}],
        }

    def click(
        self,
        user: str,
        payload: str,
        *,
        channel: str = SALES,
        message: dict[str, Any] | None = None,
        prefix: str = "desk:",
    ) -> bytes:
        message = message or {"ts": "0.0", "text": "", "blocks": []}
        body = {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
            "api_app_id": "A0SALESBOT",
            "trigger_id": f"trig-{next(self._actions)}",
            "container": {
                "type": "message",
                "message_ts": message.get("ts"),
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "channel": {"id": channel},
            "message": message,
            "response_url": "http://127.0.0.1:9/unused",
            "actions": [
                {
                    "type": "button",
                    "action_id": prefix + payload,
                    "block_id": "b",
                    "text": {"type": "plain_text", "text": payload},
                    "value": payload,
                    "action_ts": f"1772470001.{next(self._actions):06d}",
                }
            ],
        }
        return urlencode({"payload": json.dumps(body)}).encode()

    @staticmethod
    def command(
        user: str,
        text: str,
        response_url: str,
        channel: str = "C0RANDOM",
        channel_name: str = "random",
    ) -> bytes:
        return urlencode(
            {
                "token": "legacy",
                "team_id": TEAM_ID,
                "channel_id": channel,
                "channel_name": channel_name,
                "user_id": user,
                "user_name": user.lower(),
                "command": "/salesbot",
                "text": text,
                "response_url": response_url,
                "trigger_id": "trig-cmd",
                "api_app_id": "A0SALESBOT",
            }
        ).encode()


@dataclass
class SlackRig:
    server: FakeSlack
    channel: SlackChannel
    hub: ConversationHub
    db: Database
    clock: FakeClock
    client: httpx.AsyncClient
    adapters: dict[str, RecordingAdapter]
    sleeps: list[float]
    hooks: SlackDeskHooks
    payloads: Payloads = field(default_factory=Payloads)

    async def post(
        self,
        body: bytes,
        *,
        form: bool = False,
        headers: dict[str, str] | None = None,
        retry: int | None = None,
        signed: bool = True,
    ) -> httpx.Response:
        all_headers = {
            "Content-Type": "application/x-www-form-urlencoded" if form else "application/json"
        }
        if signed:
            # Slack signs each delivery when it sends it, and retries go out seconds to
            # minutes apart: a retry has a timestamp (and so a signature) of its own.
            all_headers.update(sign(body, int(time.time()) - (retry or 0)))
        if retry is not None:
            all_headers.update(
                {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            )
        all_headers.update(headers or {})
        return await self.client.post(EVENTS_PATH, content=body, headers=all_headers)

    async def event(self, envelope: dict[str, Any], **kw: Any) -> httpx.Response:
        response = await self.post(json.dumps(envelope).encode(), **kw)
        assert response.status_code == 200, response.text
        return response

    async def click(self, user: str, payload: str, **kw: Any) -> httpx.Response:
        response = await self.post(self.payloads.click(user, payload, **kw), form=True)
        assert response.status_code == 200, response.text
        return response

    async def command(self, user: str, text: str, **kw: Any) -> list[dict[str, Any]]:
        before = len(self.server.responses)
        body = self.payloads.command(user, text, self.server.response_url(), **kw)
        response = await self.post(body, form=True)
        assert response.status_code == 200, response.text
        await self.drain()
        return self.server.responses[before:]

    async def drain(self) -> None:
        assert await self.channel.drain(10), "background work did not finish"

    async def cards(self) -> list[SlackCard]:
        from sqlalchemy import select

        async with UnitOfWork(self.db, self.clock) as uow:
            return list((await uow.session.scalars(select(SlackCard).order_by(SlackCard.id))).all())

    async def card(self, card_id: int = 1) -> SlackCard:
        async with UnitOfWork(self.db, self.clock) as uow:
            card = await uow.session.get(SlackCard, card_id)
            assert card is not None
            return card

    async def thread_reply(self, user: str, text: str, card_id: int = 1) -> httpx.Response:
        card = await self.card(card_id)
        assert card.channel and card.ts
        envelope = self.payloads.message(card.channel, user, text, thread_ts=card.ts)
        response = await self.event(envelope)
        await self.drain()
        return response


async def make_rig(
    *,
    server: FakeSlack,
    db: Database,
    clock: FakeClock,
    settings: Settings,
    content: Content,
    understanding: NluService,
    adapters: dict[str, Any] | None = None,
    app_token: str | None = None,
) -> AsyncIterator[SlackRig]:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    hub_ref: list[ConversationHub] = []

    async def receive(inbound: InboundMessage) -> Receipt:
        return await hub_ref[0].receive(inbound)

    channel = SlackChannel(
        receive=receive,
        client=AsyncWebClient(token=TOKEN, base_url=server.base_url),
        signing_secret=SIGNING_SECRET,
        app_token=app_token,
        sleep=sleep,
    )
    hooks = SlackDeskHooks(channel, settings=settings, db=db, clock=clock, hub=lambda: hub_ref[0])
    channel.hooks = hooks
    customer_adapters: dict[str, Any] = adapters or {
        name: RecordingAdapter(name) for name in ("webchat", "telegram")
    }
    hub = build_hub(
        settings=settings,
        content=content,
        db=db,
        clock=clock,
        nlu=NluService(understanding.models, clock=clock, timezone=understanding.timezone),
        adapters={**customer_adapters, "slack": channel.adapter},
        handoff=hooks.desk,
    )
    hub_ref.append(hub)
    app = FastAPI()
    app.include_router(channel.router())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test")
    await channel.start()
    rig = SlackRig(server, channel, hub, db, clock, client, customer_adapters, sleeps, hooks)
    try:
        yield rig
        assert channel.background.failures == 0, "a background task raised (see the log)"
    finally:
        await channel.stop()
        await client.aclose()


@pytest.fixture(name="fake_slack")
async def fake_slack_fixture() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    yield server
    await server.stop()


@pytest.fixture(name="slack_rig")
async def slack_rig_fixture(
    fake_slack: FakeSlack,
    seeded_db: Database,
    clock: FakeClock,
    settings: Settings,
    content: Content,
    understanding: NluService,
) -> AsyncIterator[SlackRig]:
    async for rig in make_rig(
        server=fake_slack,
        db=seeded_db,
        clock=clock,
        settings=settings,
        content=content,
        understanding=understanding,
    ):
        yield rig
