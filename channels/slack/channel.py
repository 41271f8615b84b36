"""One Slack app wired together: the desk, the customer adapter, staff messages, commands.

Transport: HTTP (``POST /slack/events`` for events, interactivity and the slash command,
signed by Slack) by default; Socket Mode when an app-level token (``xapp-...``) is set, for
servers Slack cannot reach. The channel runs when ``channels.slack.enabled`` is true or the
bot token (``SALESBOT_SLACK_BOT_TOKEN``) is set; HTTP mode needs the signing secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.desk.slack.actions import Click, DeskActions, HubRef
from bot.desk.slack.commands import Commands, SlashCommand
from bot.desk.slack.desk import SlackDesk
from bot.desk.slack.once import Once
from bot.desk.slack.relay import Relay
from bot.desk.slack.staff import SlackStaff
from bot.settings.model import Settings
from channels.base import DeliveryError
from channels.slack import blocks as bk
from channels.slack.adapter import SlackAdapter
from channels.slack.api import SlackApi, Sleep
from channels.slack.app import BotIdentity, Handlers, create_bolt_app
from channels.slack.background import Background
from channels.slack.translate import CHANNEL, ThreadReply
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.uow import UnitOfWork
from dialogs.core.config import ConfigError
from dialogs.core.types import InboundMessage

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
REP_HINT = (
    "Hi! This is where salesbot sends you reminders and call checks. Use `/salesbot` for "
    "your leads, follow-ups and open handoffs; to answer a customer, reply in the thread "
    "of their card in the sales channel."
)
DEFAULT_BASE_URL = "https://slack.com/api/"


def wanted(settings: Settings) -> bool:
    return settings.channels.slack.enabled or settings.secrets.slack_bot_token is not None


def app_token_of(settings: Settings) -> str | None:
    """SALESBOT_SLACK_APP_TOKEN: with it the desk runs in Socket Mode."""
    secret = settings.secrets.slack_app_token
    return secret.get_secret_value() if secret is not None else None


class SlackChannel:
    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        clock: Clock,
        hub: HubRef,
        client: AsyncWebClient,
        signing_secret: str,
        app_token: str | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not app_token and not signing_secret:
            raise ValueError("Slack over HTTP needs the signing secret")
        self.settings = settings
        self.hub = hub
        self.app_token = app_token
        self.background = Background()
        self.api = SlackApi(client, sleep=sleep)
        self.adapter = SlackAdapter(self.api)
        self.desk = SlackDesk(
            api=self.api, db=db, clock=clock, settings=settings, background=self.background
        )
        self.staff = SlackStaff(api=self.api, db=db, clock=clock, settings=settings)
        self.relay = Relay(db=db, clock=clock, api=self.api, hub=hub)
        self.actions = DeskActions(
            api=self.api, db=db, clock=clock, settings=settings, desk=self.desk, hub=hub
        )
        self.commands = Commands(db=db, clock=clock, settings=settings)
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
        self.db = db
        self.clock = clock
        self._hinted = Once()
        self._socket: Any = None
        self._socket_task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        db: Database,
        clock: Clock,
        hub: HubRef,
        *,
        base_url: str | None = None,
    ) -> SlackChannel:
        token = settings.secrets.slack_bot_token
        if token is None:
            raise ConfigError("SALESBOT_SLACK_BOT_TOKEN", "", "missing secret: the bot token")
        app_token = app_token_of(settings)
        secret = settings.secrets.slack_signing_secret
        if secret is None and not app_token:
            raise ConfigError(
                "SALESBOT_SLACK_SIGNING_SECRET",
                "",
                "missing secret: Slack requests cannot be verified without it "
                "(or set SALESBOT_SLACK_APP_TOKEN for Socket Mode)",
            )
        client = AsyncWebClient(
            token=token.get_secret_value(), base_url=base_url or DEFAULT_BASE_URL
        )
        return cls(
            settings=settings,
            db=db,
            clock=clock,
            hub=hub,
            client=client,
            signing_secret=secret.get_secret_value() if secret else "",
            app_token=app_token,
        )

    @property
    def mode(self) -> str:
        return "socket" if self.app_token else "http"

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
        if inbound.payload is None and await self._is_rep(inbound.user_id):
            await self._hint_rep(inbound)
            return
        await self.hub().receive(inbound)

    async def _is_rep(self, slack_user_id: str) -> bool:
        async with UnitOfWork(self.db, self.clock) as uow:
            return await uow.reps.by_slack_user(slack_user_id) is not None

    async def _hint_rep(self, inbound: InboundMessage) -> None:
        if not self._hinted.first(inbound.message_id or ""):  # a retried event
            return
        try:
            await self.api.post(inbound.address.chat_id, REP_HINT, bk.sections(REP_HINT))
        except DeliveryError as exc:
            log.warning("could not answer rep %s: %s", inbound.user_id, exc)

    async def on_thread_reply(self, reply: ThreadReply) -> None:
        outcome = await self.relay.handle(reply)
        log.debug("thread reply %s: %s", reply.ts, outcome)

    async def on_click(self, click: Click) -> None:
        outcome = await self.actions.handle(click)
        log.info("slack click %s by %s: %s", click.payload, click.user, outcome)

    async def on_command(self, command: SlashCommand) -> None:
        for body in await self.commands.run(command):
            try:
                await self.api.respond(command.response_url, body)
            except DeliveryError as exc:
                log.warning("slash command answer lost: %s", exc)
                return

    # ── lifecycle ──────────────────────────────────────────────────────────

    async def start(self) -> None:
        # Slack being unreachable must not stop the other channels from serving.
        if not await self.identity.load():
            log.error("slack: auth.test failed; will retry on the first request")
        try:
            reposted = await self.desk.repost_unposted()
            if reposted:
                log.info("slack: posted %d cards left over from before", reposted)
        except Exception:
            log.exception("slack: reposting cards failed")
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


def attach(app: FastAPI, runtime: Runtime, *, base_url: str | None = None) -> SlackChannel | None:
    """Wire Slack into the app: the ``slack`` adapter, the handoff desk, the staff channel
    and, over HTTP, ``POST /slack/events``. ``None`` when Slack is not wanted.

    Call before ``runtime.start()`` (the hub is built around ``runtime.handoff`` and the
    adapters); start the channel after it and stop it before ``runtime.stop()``.
    """
    if not wanted(runtime.settings):
        return None
    channel = SlackChannel.from_settings(
        runtime.settings, runtime.db, runtime.clock, lambda: runtime.hub, base_url=base_url
    )
    runtime.adapters[CHANNEL] = channel.adapter
    runtime.handoff = channel.desk
    runtime.staff = channel.staff  # where the staff outbox delivers
    if channel.mode == "http":
        app.include_router(channel.router())
    return channel
