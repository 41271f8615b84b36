"""The slack-bolt ``AsyncApp``: request verification, listeners, ack first and work after.

Every request (events, interactivity, slash commands) arrives on one URL. Bolt verifies the
v0 signature (HMAC-SHA256 of ``v0:<timestamp>:<body>`` with the signing secret; a timestamp
more than 5 minutes off is refused) and answers 401 to anything unsigned or altered; a
signed request sent again (same timestamp and signature) is refused with 401 too (``replay.py``).

Listeners run before the response (``process_before_response=True``) but do nothing slow:
they ``ack()``, translate the payload, and hand the real work to ``Background``. So Slack
gets its answer within milliseconds whatever the database or the Web API are doing, and
the work is tracked (awaited at shutdown) instead of floating in a bare future.

``authorize`` answers from the bot identity fetched once with ``auth.test`` (at start, or
on the first request), so no request waits on a Web API call before it is acked.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from channels.base import DeliveryError
from channels.slack import blocks as bk
from channels.slack.api import SlackApi
from channels.slack.background import Background
from channels.slack.replay import ReplayGuard, refuse_replays
from channels.slack.translate import (
    Click,
    SlashCommand,
    ThreadReply,
    action_to_inbound,
    classify_message,
    event_to_inbound,
    event_to_thread_reply,
)
from dialogs.core.types import InboundMessage

log = logging.getLogger(__name__)

COMMAND = "/salesbot"


class BotIdentity:
    """Who the bot is in Slack (``auth.test``), fetched once and kept."""

    def __init__(self, api: SlackApi) -> None:
        self.api = api
        self.user_id: str | None = None
        self.bot_id: str | None = None
        self.team_id: str | None = None
        self._lock = asyncio.Lock()

    async def load(self) -> bool:
        async with self._lock:
            if self.user_id:
                return True
            try:
                data = await self.api.call("auth.test")
            except DeliveryError as exc:
                log.warning("slack auth.test failed: %s", exc)
                return False
            self.user_id = data.get("user_id")
            self.bot_id = data.get("bot_id")
            self.team_id = data.get("team_id")
            return True


@dataclass(frozen=True)
class Handlers:
    """What happens after the ack (each runs in the background)."""

    customer: Callable[[InboundMessage], Awaitable[Any]]
    thread_reply: Callable[[ThreadReply], Awaitable[Any]]
    click: Callable[[Click], Awaitable[Any]]
    command: Callable[[SlashCommand], Awaitable[Any]]


def click_of(body: dict[str, Any], action: dict[str, Any]) -> Click:
    container = body.get("container") or {}
    message = body.get("message") or {}
    return Click(
        payload=bk.payload_of(str(action.get("action_id", "")), action.get("value")),
        user=str((body.get("user") or {}).get("id", "")),
        channel=(body.get("channel") or {}).get("id") or container.get("channel_id"),
        message_ts=container.get("message_ts") or message.get("ts"),
        thread_ts=container.get("thread_ts") or message.get("thread_ts"),
        message=message,
    )


def create_bolt_app(
    *,
    api: SlackApi,
    signing_secret: str,
    identity: BotIdentity,
    handlers: Handlers,
    background: Background,
) -> AsyncApp:
    token = api.client.token

    async def authorize(
        enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> AuthorizeResult:
        await identity.load()  # a no-op once loaded; on failure we still answer
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id or identity.team_id,
            bot_token=token,
            bot_id=identity.bot_id,
            bot_user_id=identity.user_id,
            user_id=user_id,
        )

    app = AsyncApp(
        name="salesbot",
        signing_secret=signing_secret,
        # A client without a token: bolt takes the token from ``authorize``; the base URL is
        # kept so a test's fake Web API serves bolt too.
        client=AsyncWebClient(base_url=api.client.base_url),
        authorize=authorize,
        process_before_response=True,
        before_authorize=refuse_replays(ReplayGuard()),
        logger=logging.getLogger("slack_bolt"),
    )

    @app.event("message")
    async def on_message(ack: AsyncAck, event: dict[str, Any]) -> None:
        await ack()
        kind = classify_message(event, identity.user_id)
        if kind == "customer":
            background.spawn(handlers.customer(event_to_inbound(event)), name="slack-customer")
        elif kind == "thread":
            reply = event_to_thread_reply(event)
            background.spawn(handlers.thread_reply(reply), name="slack-thread-reply")

    @app.event(re.compile(".*"))
    async def on_other_event(ack: AsyncAck) -> None:
        # Acked so Slack does not retry events we are subscribed to but do not use.
        await ack()

    @app.action(re.compile("^" + re.escape(bk.DESK)))
    async def on_desk_click(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        background.spawn(handlers.click(click_of(body, action)), name="slack-click")

    @app.action(re.compile("^" + re.escape(bk.REPLY)))
    async def on_customer_click(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        inbound = action_to_inbound(body, action)
        if inbound is not None:
            background.spawn(handlers.customer(inbound), name="slack-customer-click")

    @app.command(COMMAND)
    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        command = SlashCommand.from_body(body)
        background.spawn(handlers.command(command), name="slack-command")

    return app
