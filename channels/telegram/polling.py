"""Long polling for development: ``getUpdates`` in a loop, acknowledging only what is stored.

aiogram's own ``start_polling`` confirms a batch with the next ``getUpdates`` offset while
its handler tasks may still run (or have failed), so a crash there can lose updates. Here a
batch is processed first, and the offset then confirms only the updates before the first
one that failed; that one and everything after it come again (those already stored are
refused as duplicates by the store). Updates of different chats run concurrently, those of
one chat in order, so a slow chat does not hold up the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence

from aiogram import Bot, Dispatcher
from aiogram.types import Update

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
MAX_ATTEMPTS = 5  # then the update is skipped: one poisonous update must not stop the bot


def chat_key(update: Update) -> str:
    if update.message is not None:
        return str(update.message.chat.id)
    if update.callback_query is not None and update.callback_query.message is not None:
        return str(update.callback_query.message.chat.id)
    return f"update:{update.update_id}"


class Poller:
    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        *,
        timeout: int = 30,
        retry_delay: float = 5.0,
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.timeout = timeout
        self.retry_delay = retry_delay
        self.offset: int | None = None
        self._attempts: dict[int, int] = {}

    async def run(self) -> None:
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=self.offset, timeout=self.timeout, allowed_updates=ALLOWED_UPDATES
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # network trouble: keep polling
                log.warning("getUpdates failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(self.retry_delay)
                continue
            if updates and not await self.process(updates):
                await asyncio.sleep(self.retry_delay)

    async def process(self, updates: Sequence[Update]) -> bool:
        """Handle one batch and move the offset; False when something must come again."""
        by_chat: dict[str, list[Update]] = defaultdict(list)
        for update in sorted(updates, key=lambda u: u.update_id):
            by_chat[chat_key(update)].append(update)
        failed = await asyncio.gather(*(self._chat(batch) for batch in by_chat.values()))
        first_failed = min((f for f in failed if f is not None), default=None)
        if first_failed is not None:
            self.offset = first_failed
            return False
        self.offset = max(u.update_id for u in updates) + 1
        return True

    async def _chat(self, updates: list[Update]) -> int | None:
        """Feed one chat's updates in order; the id of the first that failed, if any."""
        for update in updates:
            try:
                await self.dispatcher.feed_update(self.bot, update)
            except Exception:
                attempts = self._attempts.get(update.update_id, 0) + 1
                if attempts >= MAX_ATTEMPTS:
                    log.exception(
                        "telegram update %s dropped after %s attempts", update.update_id, attempts
                    )
                    self._attempts.pop(update.update_id, None)
                    continue
                self._attempts[update.update_id] = attempts
                log.exception("telegram update %s failed; it will come again", update.update_id)
                return update.update_id
            self._attempts.pop(update.update_id, None)
        return None
