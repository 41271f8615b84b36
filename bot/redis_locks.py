"""Per-conversation locks in Redis, for several salesbot workers sharing one store.

Same protocol as ``dialogs.core.locks.InMemoryLocks``. Each lock is a Redis key with an expiry (a
crashed worker cannot hold a conversation forever) and a random token (only the holder
releases it: redis-py's Lock does both, with a Lua script for the release). Waiters poll,
so strict arrival order across workers is not promised; one-at-a-time is.

Install with the ``redis`` extra and set ``locks.backend: redis`` and ``locks.redis_url``.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager

from dialogs.core.locks import LockTimeout

KEY_PREFIX = "salesbot:lock:conversation:"


class RedisLocks:
    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        lease_seconds: float = 60.0,
        client: object | None = None,
    ) -> None:
        from redis.asyncio import Redis  # an optional dependency: imported when used

        self.timeout = timeout
        self.lease_seconds = lease_seconds
        self._redis = client if client is not None else Redis.from_url(url)

    @staticmethod
    def key(key: Hashable) -> str:
        # A stable name for any hashable key (e.g. a ChannelAddress), without leaking ids
        # into Redis key names.
        return KEY_PREFIX + hashlib.sha256(repr(key).encode()).hexdigest()[:32]

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        from redis.exceptions import LockError

        lock = self._redis.lock(  # type: ignore[attr-defined]
            self.key(key),
            timeout=self.lease_seconds,
            sleep=0.01,
            blocking_timeout=self.timeout,
        )
        if not await lock.acquire():
            raise LockTimeout(f"conversation {key!r} stayed locked for {self.timeout}s")
        try:
            yield
        finally:
            try:
                await lock.release()
            except LockError:
                # The lease ran out while we worked (a very slow turn): someone else may hold
                # it now, and it is theirs to release.
                pass

    async def close(self) -> None:
        await self._redis.aclose()  # type: ignore[attr-defined]
