"""One Slack app wired together: the customer adapter, request verification, the transport.

Transport: HTTP (``POST /slack/events`` for events, interactivity and the slash command,
signed by Slack) by default; Socket Mode when an app-level token (``xapp-...``) is set, for
servers Slack cannot reach. The channel runs when ``channels.slack.enabled`` is true or the
bot token (``SALESBOT_SLACK_BOT_TOKEN``) is set; HTTP mode needs the signing secret.

Customers' messages go to the hub (``ctx.receive``). What reps do in Slack (thread replies,
button clicks, the slash command, DMs to the bot) goes to the ``StaffHooks`` the shell
attaches: the reps' desk is a staff feature that uses Slack as its screen, not a channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from fastapi import APIRouter, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_sdk.web.async_client import AsyncWebClient

from channels.base import ChannelAdapter
from channels.registry import ChannelContext, Receive
from channels.slack.adapter import SlackAdapter
from channels.slack.api import SlackApi, Sleep
from channels.slack.app import BotIdentity, Handlers, create_bolt_app
from channels.slack.background import Background
from channels.slack.settings import SlackSettings
from channels.slack.translate import Click, SlashCommand, ThreadReply
from dialogs.core.config import ConfigError
from dialogs.core.types import InboundMessage

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
DEFAULT_BASE_URL = "https://slack.com/api/"
BOT_TOKEN = "SALESBOT_SLACK_BOT_TOKEN"
SIGNING_SECRET = "SALESBOT_SLACK_SIGNING_SECRET"
APP_TOKEN = "SALESBOT_SLACK_APP_TOKEN"


def wanted(slack: SlackSettings, secrets: Mapping[str, str]) -> bool:
    return slack.enabled or bool(secrets.get(BOT_TOKEN))


def app_token_of(secrets: Mapping[str, str]) -> str | None:
    """SALESBOT_SLACK_APP_TOKEN: with it the desk runs in Socket Mode."""
    return secrets.get(APP_TOKEN) or None


class StaffHooks(Protocol):
    """What the shell's reps' desk does with what staff do in Slack."""

    async def is_staff(self, slack_user_id: str) -> bool:
        """True for a rep's DM with the bot: not a customer talking."""
        ...

    async def on_staff_message(self, inbound: InboundMessage) -> None: ...

    async def on_thread_reply(self, reply: ThreadReply) -> None: ...

    async def on_click(self, click: Click) -> None: ...

    async def on_command(self, command: SlashCommand) -> None: ...

    async def on_start(self) -> None:
        """After the identity is known, before traffic (e.g. post cards left over)."""
        ...


class SlackChannel:
    def __init__(
        self,
        *,
        receive: Receive,
        client: AsyncWebClient,
        signing_secret: str,
        app_token: str | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not app_token and not signing_secret:
            raise ValueError("Slack over HTTP needs the signing secret")
        self.receive = receive
        self.app_token = app_token
        self.background = Background()
        self.api = SlackApi(client, sleep=sleep)
        self.adapter = SlackAdapter(self.api)
        self.hooks: StaffHooks | None = None  # set by the shell (the reps' desk)
        self.identity = BotIdentity(self.api)
        self.bolt = create_bolt_app(
            api=self.api,
            signing_secret=signing_secret,
            identity=self.identity,
            handlers=Handlers(
                customer=self.on_customer,
                thread_reply=self.on_thread_reply,
                click=self.on_click,
                command=self.on_command,
            ),
            background=self.background,
        )
        self.handler = AsyncSlackRequestHandler(self.bolt)
        self._socket: Any = None
        self._socket_task: asyncio.Task[None] | None = None

    @classmethod
    def from_context(cls, ctx: ChannelContext) -> SlackChannel:
        slack: SlackSettings = ctx.settings
        token = ctx.secret(BOT_TOKEN)
        if token is None:
            raise ConfigError(BOT_TOKEN, "", "missing secret: the bot token")
        app_token = app_token_of(ctx.secrets)
        secret = ctx.secret(SIGNING_SECRET)
        if secret is None and not app_token:
            raise ConfigError(
                SIGNING_SECRET,
                "",
                "missing secret: Slack requests cannot be verified without it "
                f"(or set {APP_TOKEN} for Socket Mode)",
            )
        client = AsyncWebClient(token=token, base_url=slack.api_url or DEFAULT_BASE_URL)
        return cls(
            receive=ctx.receive,
            client=client,
            signing_secret=secret or "",
            app_token=app_token,
        )

    @property
    def mode(self) -> str:
        return "socket" if self.app_token else "http"

    @property
    def adapters(self) -> Mapping[str, ChannelAdapter]:
        return {self.adapter.name: self.adapter}

    def routers(self) -> list[Any]:
        return [self.router()] if self.mode == "http" else []

    def router(self, path: str = EVENTS_PATH) -> APIRouter:
        router = APIRouter()

        @router.post(path, include_in_schema=False)
        async def slack_events(request: Request) -> Response:
            return await self.handler.handle(request)

        return router

    # ── after the ack ──────────────────────────────────────────────────────

    async def on_customer(self, inbound: InboundMessage) -> None:
        # Reps get reminders and checks in their DM with the bot; what they type there is
        # not a customer talking (it would make the rep a contact, even a lead).
        hooks = self.hooks
        if hooks is not None and inbound.payload is None and await hooks.is_staff(inbound.user_id):
            await hooks.on_staff_message(inbound)
            return
        await self.receive(inbound)

    async def on_thread_reply(self, reply: ThreadReply) -> None:
        if self.hooks is None:
            log.debug("thread reply %s ignored: no reps' desk attached", reply.ts)
            return
        await self.hooks.on_thread_reply(reply)

    async def on_click(self, click: Click) -> None:
        if self.hooks is None:
            log.debug("click %s ignored: no reps' desk attached", click.payload)
            return
        await self.hooks.on_click(click)

    async def on_command(self, command: SlashCommand) -> None:
        if self.hooks is None:
            log.debug("slash command ignored: no reps' desk attached")
            return
        await self.hooks.on_command(command)

    # ── lifecycle ──────────────────────────────────────────────────────────

    async def start(self) -> None:
        # Slack being unreachable must not stop the other channels from serving.
        if not await self.identity.load():
            log.error("slack: auth.test failed; will retry on the first request")
        if self.hooks is not None:
            try:
                await self.hooks.on_start()
            except Exception:
                log.exception("slack: the reps' desk failed to start")
        if self.app_token:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.bolt, self.app_token)
            # connect_async keeps retrying until Slack answers: the server must not wait.
            self._socket_task = asyncio.create_task(self._connect(), name="slack-socket-mode")
        log.info("slack: %s mode", self.mode)

    async def _connect(self) -> None:
        try:
            await self._socket.connect_async()
        except Exception as exc:
            log.error("slack: Socket Mode connection failed: %s", type(exc).__name__)

    async def drain(self, within: float | None = None) -> bool:
        """Wait for the work started by requests so far (tests, shutdown)."""
        return await self.background.drain(within)

    async def stop(self) -> None:
        if self._socket is not None:
            try:
                await self._socket.close_async()
            except Exception as exc:
                log.warning("slack: closing Socket Mode failed: %s", type(exc).__name__)
            self._socket = None
        if self._socket_task is not None:
            self._socket_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._socket_task
            self._socket_task = None
        await self.background.close()


def build(ctx: ChannelContext) -> SlackChannel | None:
    """The channel, or None when Slack is not wanted (no bot token, not enabled)."""
    if not wanted(ctx.settings, ctx.secrets):
        return None
    return SlackChannel.from_context(ctx)
