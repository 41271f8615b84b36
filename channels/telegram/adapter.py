"""The Telegram ``ChannelAdapter``: renders a ``Reply`` and sends it within Telegram's limits.

The outbox calls ``send`` while holding the conversation's lock, so waiting here (pace,
429) delays only that conversation; other chats keep flowing. A 429 is waited out and the
same message sent again, once. A ``retry_after`` longer than ``max_inline_wait`` goes back
to the outbox instead (``DeliveryError(transient=True, retry_after=...)``), so the
conversation's lock is not held for minutes. When a later part of a split reply fails, the
parts already sent are remembered (in memory), so the outbox's retry does not repeat them.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramRetryAfter,
)

from channels.base import DeliveryError
from channels.telegram.limiter import SendLimiter
from channels.telegram.render import is_group_chat, render
from channels.telegram.translate import CHANNEL
from dialogs.core.types import ChannelAddress, Reply

log = logging.getLogger(__name__)

MAX_RETRIES_AFTER_429 = 5
_PERMANENT = (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound, TelegramMigrateToChat)


class TelegramAdapter:
    name = CHANNEL

    def __init__(
        self, bot: Bot, limiter: SendLimiter | None = None, *, max_inline_wait: float = 10.0
    ) -> None:
        self.bot = bot
        self.limiter = limiter or SendLimiter()
        self.max_inline_wait = max_inline_wait
        # Whether the chat shows a reply keyboard now. In memory only: after a restart the
        # worst case is a keyboard that lingers until the next quick replies. (A tap on one
        # is mapped back to its payload by the hub, from the store.)
        self._reply_keyboards: set[ChannelAddress] = set()
        # Parts of a split reply already sent when a later part failed (see send).
        self._partial: dict[tuple[ChannelAddress, tuple[str, ...]], int] = {}

    async def send(self, address: ChannelAddress, reply: Reply, *, role: str = "bot") -> str | None:
        rendered = render(
            reply, address, role=role, reply_keyboard_shown=address in self._reply_keyboards
        )
        key = (address, tuple(m["text"] for m in rendered.messages))
        done = self._partial.pop(key, 0)
        platform_id: str | None = None
        for index, message in enumerate(rendered.messages):
            if index < done:
                continue  # already with the customer before a failure; the outbox retries
            try:
                platform_id = await self._send_one(address, message)
            except DeliveryError:
                if index > 0 and len(self._partial) < 10_000:
                    self._partial[key] = index
                raise
        if rendered.reply_keyboard:
            self._reply_keyboards.add(address)
        else:
            self._reply_keyboards.discard(address)
        return platform_id

    async def _send_one(self, address: ChannelAddress, message: dict[str, Any]) -> str:
        group = is_group_chat(address.chat_id)
        for _ in range(MAX_RETRIES_AFTER_429 + 1):
            await self.limiter.acquire(address.chat_id, group=group)
            try:
                sent = await self.bot.send_message(**message)
            except TelegramRetryAfter as exc:
                self.limiter.hold(address.chat_id, exc.retry_after)
                log.warning("telegram asked to wait %ss before the next message", exc.retry_after)
                if exc.retry_after > self.max_inline_wait:
                    raise DeliveryError(
                        "telegram rate limit", transient=True, retry_after=exc.retry_after
                    ) from None
                continue
            except _PERMANENT as exc:
                # Blocked by the user, chat gone, message refused: retrying cannot help.
                raise DeliveryError(self._clean(exc), transient=False) from None
            except TelegramAPIError as exc:  # network, server errors, unauthorized
                raise DeliveryError(self._clean(exc), transient=True) from None
            return str(sent.message_id)
        raise DeliveryError("telegram kept answering 429", transient=True, retry_after=60)

    def _clean(self, exc: Exception) -> str:
        # The token is part of every request URL; an error text must never carry it.
        return f"{type(exc).__name__}: {exc}".replace(self.bot.token, "<token>")
