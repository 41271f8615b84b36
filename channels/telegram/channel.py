"""One Telegram bot wired together: the adapter, the aiogram dispatcher and the chosen mode.

Modes (``mode_of``): a webhook when ``channels.telegram.mode`` is ``webhook`` or a
``webhook_url`` is configured (the secret token is then mandatory); long polling otherwise,
for development. The channel runs when ``channels.telegram.enabled`` is true or the token
(``SALESBOT_TELEGRAM_TOKEN``) is set. ``channels.telegram.api_server`` points it at another Bot
API server (a self-hosted one, or a test double).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any, Literal

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from fastapi import APIRouter

from channels.base import ChannelAdapter
from channels.registry import ChannelContext
from channels.telegram.adapter import TelegramAdapter
from channels.telegram.commands import register_commands
from channels.telegram.limiter import SendLimiter
from channels.telegram.polling import ALLOWED_UPDATES, Poller
from channels.telegram.router import Receive, build_router
from channels.telegram.settings import TelegramSettings
from channels.telegram.webhook import webhook_router
from dialogs.core.config import ConfigError

log = logging.getLogger(__name__)

Mode = Literal["polling", "webhook"]


TOKEN = "SALESBOT_TELEGRAM_TOKEN"
WEBHOOK_SECRET = "SALESBOT_TELEGRAM_WEBHOOK_SECRET"


def wanted(telegram: TelegramSettings, secrets: Mapping[str, str]) -> bool:
    return telegram.enabled or bool(secrets.get(TOKEN))


def mode_of(telegram: TelegramSettings, secrets: Mapping[str, str]) -> Mode:
    if telegram.mode == "webhook" or telegram.webhook_url:
        if not secrets.get(WEBHOOK_SECRET):
            raise ConfigError(
                "SALESBOT_TELEGRAM_WEBHOOK_SECRET",
                "",
                "missing secret: a Telegram webhook is refused without a secret token",
            )
        return "webhook"
    return "polling"


def make_bot(token: str, api_base: str | None = None) -> Bot:
    api = TelegramAPIServer.from_base(api_base) if api_base else PRODUCTION
    return Bot(token, session=AiohttpSession(api=api))


class TelegramChannel:
    def __init__(
        self,
        bot: Bot,
        receive: Receive,
        *,
        mode: Mode = "polling",
        webhook_url: str = "",
        webhook_secret: str | None = None,
        limiter: SendLimiter | None = None,
        poll_timeout: int = 30,
        register: bool = True,
    ) -> None:
        if mode == "webhook" and not webhook_secret:
            raise ValueError("webhook mode needs a secret token")
        self.bot = bot
        self.mode = mode
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.register = register
        self.adapter = TelegramAdapter(bot, limiter)
        # No FSM: dialog state lives in the CRM store, not in aiogram's memory.
        self.dispatcher = Dispatcher(disable_fsm=True)
        self.dispatcher.include_router(build_router(receive))
        self.poller = Poller(bot, self.dispatcher, timeout=poll_timeout)
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_context(cls, ctx: ChannelContext) -> TelegramChannel:
        telegram: TelegramSettings = ctx.settings
        token = ctx.secret(TOKEN)
        if token is None:
            raise ConfigError(TOKEN, "", "missing secret: the bot token")
        return cls(
            make_bot(token, telegram.api_server or None),
            ctx.receive,
            mode=mode_of(telegram, ctx.secrets),
            webhook_url=telegram.webhook_url,
            webhook_secret=ctx.secret(WEBHOOK_SECRET),
        )

    @property
    def adapters(self) -> Mapping[str, ChannelAdapter]:
        return {self.adapter.name: self.adapter}

    def routers(self) -> list[Any]:
        return [self.webhook_router()] if self.mode == "webhook" else []

    def webhook_router(self) -> APIRouter:
        if self.webhook_secret is None:
            raise ValueError("webhook mode needs a secret token")
        return webhook_router(self.bot, self.dispatcher, self.webhook_secret)

    async def start(self) -> None:
        if self.register:
            try:
                await register_commands(self.bot)
            except Exception as exc:  # the bot works without its menu; say so and go on
                log.warning("could not register Telegram commands: %s", type(exc).__name__)
        # Telegram being unreachable must not stop the web chat from serving: log and go on
        # (polling keeps retrying; a webhook can be set later with `salesbot telegram`).
        if self.mode == "webhook":
            if self.webhook_url:
                try:
                    await set_webhook(self.bot, self.webhook_url, self.webhook_secret or "")
                except Exception as exc:
                    log.error("could not set the Telegram webhook: %s", type(exc).__name__)
            log.info("telegram: webhook mode")
            return
        try:
            # getUpdates is refused while a webhook is set; pending updates stay queued.
            await self.bot.delete_webhook(drop_pending_updates=False)
        except Exception as exc:
            log.error("could not remove the Telegram webhook: %s", type(exc).__name__)
        self._task = asyncio.create_task(self.poller.run(), name="telegram-polling")
        log.info("telegram: long polling")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.bot.session.close()


async def set_webhook(bot: Bot, url: str, secret: str, *, drop_pending: bool = False) -> None:
    await bot.set_webhook(
        url,
        secret_token=secret,
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=drop_pending,
    )


def build(ctx: ChannelContext) -> TelegramChannel | None:
    """The channel, or None when Telegram is not wanted (no token, not enabled).

    Raises ``ConfigError`` for a webhook without a secret, so ``serve`` refuses to start.
    """
    if not wanted(ctx.settings, ctx.secrets):
        return None
    return TelegramChannel.from_context(ctx)
