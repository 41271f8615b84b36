"""Telling every web worker that something was committed for a visitor.

A rep's message reaches the outbox of whichever worker took the Slack event; the visitor's
socket may be open on another worker. The store holds the message either way (a reload
shows it); the bus is how the socket's own worker learns to push it now, as #4 asks ("a
rep's message reaches the visitor's open socket as it is sent").

An announcement carries only the visitor id: the receiving feed reads what the socket is
missing from the store, so a lost or repeated announcement costs at most a delay or one
read, never a lost or doubled message.

- ``LocalBus``: one process (the default); an announcement goes straight to the feed.
- ``RedisBus``: Redis pub/sub between workers (``channels.webchat.bus: redis``). Pub/sub
  keeps nothing for a subscriber that is away, so after its connection comes back a worker
  re-reads the store for every visitor it has a socket for; and a worker that could not
  publish keeps what it could not say and says it when Redis is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

CHANNEL_NAME = "salesbot:webchat:announce"
RECONNECT_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)
PUBLISH_TIMEOUT = 2.0  # seconds one publish (or connecting to Redis) may take
CONFIRM_TIMEOUT = 5.0
MAX_PENDING = 10_000  # unpublished announcements kept while Redis is away
EVERYONE = "*"  # not a visitor id (those are random tokens): every worker re-reads all

Deliver = Callable[[str], None]  # a visitor id: something was committed for them


class AnnouncementBus(Protocol):
    """Built with ``deliver`` (this worker's feed) and ``everyone`` (re-read the store for
    every connected visitor: called when announcements may have been missed)."""

    async def publish(self, visitor_id: str) -> None:
        """Announce to every worker, this one included (at once, even before ``start``)."""

    async def start(self) -> None:
        """Begin receiving other workers' announcements."""

    async def stop(self) -> None: ...


class LocalBus:
    """One process: the feed is told directly."""

    def __init__(self, deliver: Deliver, everyone: Callable[[], None]) -> None:
        self._deliver = deliver

    async def publish(self, visitor_id: str) -> None:
        self._deliver(visitor_id)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class RedisBus:
    """Several workers: each publishes to one Redis channel and listens on it.

    Its own announcements are delivered at once, without the round trip, and skipped when
    they come back from Redis (each worker tags what it publishes). Publishing to Redis
    happens in a task of its own, so a slow or absent Redis never holds up a reply (the
    adapter publishes under the conversation's lock); announcements that could not be
    published are kept and published once Redis answers again.
    """

    def __init__(
        self,
        deliver: Deliver,
        everyone: Callable[[], None],
        *,
        url: str,
        channel: str = CHANNEL_NAME,
        publish_timeout: float = PUBLISH_TIMEOUT,
    ) -> None:
        from redis.asyncio import Redis  # an optional dependency: imported when used

        self._origin = secrets.token_hex(8)
        # Named, so an operator (or a test) can tell this worker's connections apart.
        self.client_name = f"salesbot-webchat-{self._origin}"
        self._deliver = deliver
        self._everyone = everyone
        self._redis = Redis.from_url(
            url, client_name=self.client_name, socket_connect_timeout=publish_timeout
        )
        self.channel = channel
        self._publish_timeout = publish_timeout
        # Visitor ids still to publish -> the generation of their latest announcement.
        self._pending: dict[str, int] = {}
        self._generation = itertools.count()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopped = False
        self.subscribed = asyncio.Event()  # set while the subscription is live

    async def start(self) -> None:
        if not self._tasks and not self._stopped:
            self._tasks = [
                asyncio.create_task(self._listen(), name="webchat-bus-listen"),
                asyncio.create_task(self._publish_pending(), name="webchat-bus-publish"),
            ]

    async def publish(self, visitor_id: str) -> None:
        self._deliver(visitor_id)
        if self._stopped:
            return
        if visitor_id not in self._pending and len(self._pending) >= MAX_PENDING:
            # Redis has been away a long time: one "re-read everyone" replaces the backlog.
            self._pending.clear()
            visitor_id = EVERYONE
        self._pending[visitor_id] = next(self._generation)
        self._wake.set()

    async def stop(self) -> None:
        self._stopped = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        self.subscribed.clear()
        await self._redis.aclose()

    async def _publish_pending(self) -> None:
        failures = 0
        while True:
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            visitor_id, generation = next(iter(self._pending.items()))
            try:
                async with asyncio.timeout(self._publish_timeout):
                    await self._redis.publish(self.channel, f"{self._origin} {visitor_id}")
            except Exception as exc:  # noqa: BLE001 - kept, and published when Redis is back
                # Not a failed delivery: the store has the message and the visitor's next
                # resume shows it; only the push to a socket on another worker is late.
                if not failures:
                    log.warning("web chat bus: publish failed (%s)", type(exc).__name__)
                failures += 1
                await asyncio.sleep(RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS)) - 1])
                continue
            if failures:
                log.info("web chat bus: publishing again after %d failed attempts", failures)
                failures = 0
            # Announced again meanwhile (a later commit): publish once more, as it may have
            # been committed after the message that just went out was read.
            if self._pending.get(visitor_id) == generation:
                del self._pending[visitor_id]

    async def _listen(self) -> None:
        attempt = 0
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                await self._confirmed(pubsub)
                if attempt:
                    log.info("web chat bus: subscribed again after %d attempts", attempt)
                    self._everyone()  # what was announced while away is in the store
                attempt = 0
                self.subscribed.set()
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    origin, _, visitor_id = _text(message["data"]).partition(" ")
                    if origin == self._origin or not visitor_id:
                        continue
                    if visitor_id == EVERYONE:
                        self._everyone()
                    else:
                        self._deliver(visitor_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep listening whatever Redis does
                self.subscribed.clear()
                attempt += 1
                if attempt == 1:
                    log.warning("web chat bus: connection lost (%s)", type(exc).__name__)
                await asyncio.sleep(RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS)) - 1])
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    @staticmethod
    async def _confirmed(pubsub: Any) -> None:
        """Wait for Redis to confirm the subscription: SUBSCRIBE is only sent by
        ``subscribe``, and what is published before Redis has processed it is not heard."""
        async with asyncio.timeout(CONFIRM_TIMEOUT):
            while True:
                message = await pubsub.get_message(timeout=CONFIRM_TIMEOUT)
                if message is not None and message.get("type") == "subscribe":
                    return


def _text(data: bytes | str) -> str:
    return data.decode() if isinstance(data, bytes) else data
