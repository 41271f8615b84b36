"""Per-conversation locks: messages of one conversation are handled one at a time, in order.

``InMemoryLocks`` serves a single process; a Redis or PostgreSQL advisory lock can implement
the same ``ConversationLocks`` protocol when several workers share the store.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class LockTimeout(Exception):
    pass


class ConversationLocks(Protocol):
    def hold(self, key: Hashable) -> AbstractAsyncContextManager[None]: ...


class InMemoryLocks:
    """A lock per key that lives only while someone holds or waits for it.

    Idle conversations cost nothing (the entry is removed when its last user leaves), and a
    waiter gives up after ``timeout`` seconds instead of queueing forever behind a stuck task.
    ``asyncio.Lock`` wakes waiters in FIFO order, which keeps a conversation's messages in
    the order they arrived.
    """

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            try:
                # asyncio.timeout, not wait_for: wait_for runs the acquire in a task of its
                # own, a loop round trip on every message even when the lock is free.
                async with asyncio.timeout(self.timeout):
                    await lock.acquire()
            except TimeoutError:
                raise LockTimeout(
                    f"conversation {key!r} stayed locked for {self.timeout}s"
                ) from None
            try:
                yield
            finally:
                lock.release()
        finally:
            current, count = self._locks[key]
            if count <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (current, count - 1)
