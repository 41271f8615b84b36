"""The aiogram ``Router``: translate, hand to the hub, answer the click. Nothing else.

aiogram is the transport only: no FSM, no filters with business meaning. The handler awaits
``receive`` (the hub commits before it returns), so in webhook mode the HTTP 200 and in
polling mode the next ``getUpdates`` offset acknowledge an update only once it is stored.
An exception propagates on purpose: the update is then not acknowledged and comes again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, Update

from channels.telegram.translate import (
    BotIdentity,
    callback_to_inbound,
    message_to_inbound,
)
from dialogs.core.types import InboundMessage, Receipt

log = logging.getLogger(__name__)

Receive = Callable[[InboundMessage], Awaitable[Receipt]]


async def identity_of(bot: Bot) -> BotIdentity:
    me = await bot.me()  # aiogram caches getMe after the first call
    return BotIdentity(me.id, me.username or "")


def build_router(receive: Receive) -> Router:
    router = Router(name="salesbot-telegram")

    @router.message()
    async def on_message(message: Message, bot: Bot, event_update: Update) -> None:
        # A tapped reply-keyboard button arrives as its title; the hub maps it back to the
        # payload from the stored reply, so that survives a restart.
        inbound = message_to_inbound(message, event_update.update_id, await identity_of(bot))
        if inbound is not None:
            await receive(inbound)

    @router.callback_query()
    async def on_callback(query: CallbackQuery, bot: Bot, event_update: Update) -> None:
        inbound = callback_to_inbound(query, event_update.update_id)
        receipt: Receipt | None = None
        try:
            if inbound is not None:
                receipt = await receive(inbound)
        finally:
            # Every click is answered, or the button spins for the customer. A redelivered
            # duplicate was answered the first time.
            if receipt is None or receipt.status != "duplicate":
                try:
                    await bot.answer_callback_query(query.id)
                except TelegramAPIError as exc:  # too old, or answered before a crash
                    log.info("callback query not answered: %s", type(exc).__name__)

    return router
