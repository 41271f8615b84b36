"""Telegram's sending limits: ~1 message/s per chat, 20/min per group, 30/s overall.

Each limit is a sliding window over reserved send times: a slot is reserved synchronously
(so concurrent senders need no lock and keep their arrival order), then the caller sleeps
until it. Within one window reservations never go backwards, so "at most N in any period"
holds by checking only the N-th most recent one. A chat that must wait (its own pace, or a
429 ``retry_after``) delays only itself: the overall window is reserved last, when the
message is really about to go, so a held chat never blocks the others.

Time and sleep are injected so tests run the real arithmetic without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class SlidingWindow:
    def __init__(self, limit: int, period: float) -> None:
        self.period = period
        self.times: deque[float] = deque(maxlen=limit)
        self.not_before = 0.0  # set by a 429

    def reserve(self, now: float) -> float:
        """Take the next slot; how long to wait for it (0 if it is free now)."""
        slot = max(now, self.not_before, self.times[-1] if self.times else now)
        if len(self.times) == self.times.maxlen:
            slot = max(slot, self.times[0] + self.period)
        self.times.append(slot)
        return slot - now

    def idle(self, now: float) -> bool:
        latest = self.times[-1] if self.times else 0.0
        return latest + self.period <= now and self.not_before <= now


class SendLimiter:
    def __init__(
        self,
        *,
        per_chat_interval: float = 1.0,
        group_per_minute: int = 20,
        overall_per_second: int = 30,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.per_chat_interval = per_chat_interval
        self.group_per_minute = group_per_minute
        self.monotonic = monotonic
        self.sleep = sleep
        self.overall = SlidingWindow(overall_per_second, 1.0)
        self._chats: dict[str, SlidingWindow] = {}
        self._groups: dict[str, SlidingWindow] = {}
        self._since_prune = 0

    async def acquire(self, chat_id: str, *, group: bool) -> float:
        """Wait until a message to ``chat_id`` may go; returns the seconds waited."""
        waited = await self._wait(self._chat(chat_id))
        if group:
            waited += await self._wait(self._group(chat_id))
        waited += await self._wait(self.overall)
        self._prune()
        return waited

    def hold(self, chat_id: str, seconds: float) -> None:
        """Telegram said 429 for this chat: nothing goes there for ``seconds``."""
        window = self._chat(chat_id)
        window.not_before = max(window.not_before, self.monotonic() + max(0.0, seconds))

    def _chat(self, chat_id: str) -> SlidingWindow:
        if chat_id not in self._chats:
            self._chats[chat_id] = SlidingWindow(1, self.per_chat_interval)
        return self._chats[chat_id]

    def _group(self, chat_id: str) -> SlidingWindow:
        if chat_id not in self._groups:
            self._groups[chat_id] = SlidingWindow(self.group_per_minute, 60.0)
        return self._groups[chat_id]

    async def _wait(self, window: SlidingWindow) -> float:
        delay = window.reserve(self.monotonic())
        if delay > 0:
            await self.sleep(delay)
        return delay

    def _prune(self) -> None:
        # Idle chats cost nothing: their windows are dropped once they lie in the past.
        self._since_prune += 1
        if self._since_prune < 1000:
            return
        self._since_prune = 0
        now = self.monotonic()
        for table in (self._chats, self._groups):
            for key in [k for k, w in table.items() if w.idle(now)]:
                del table[key]
