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
  re-reads the store for every visitor it has a socket for.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

CHANNEL_NAME = "salesbot:webchat:announce"
RECONNECT_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)

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
    they come back from Redis (each worker tags what it publishes).
    """

    def __init__(
        self,
        deliver: Deliver,
        everyone: Callable[[], None],
        *,
        url: str,
        channel: str = CHANNEL_NAME,
    ) -> None:
        from redis.asyncio import Redis  # an optional dependency: imported when used

        self._deliver = deliver
        self._everyone = everyone
        self._redis = Redis.from_url(url)
        self._channel = channel
        self._origin = secrets.token_hex(8)
        self._task: asyncio.Task[None] | None = None
        self._publish_failing = False
        self.subscribed = asyncio.Event()  # set while the subscription is live

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen(), name="webchat-bus")

    async def publish(self, visitor_id: str) -> None:
        self._deliver(visitor_id)
        try:
            await self._redis.publish(self._channel, f"{self._origin} {visitor_id}")
        except Exception as exc:  # noqa: BLE001 - the message is committed; see module doc
            # Not a failed delivery: the store has it and the visitor's next resume shows
            # it; only the push to a socket on another worker is late. Said once per outage,
            # not once per message.
            if not self._publish_failing:
                log.warning("web chat bus: publish failed (%s)", type(exc).__name__)
            self._publish_failing = True
        else:
            if self._publish_failing:
                log.info("web chat bus: publishing again")
            self._publish_failing = False

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.subscribed.clear()
        await self._redis.aclose()

    async def _listen(self) -> None:
        attempt = 0
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                if attempt:
                    log.info("web chat bus: subscribed again after %d attempts", attempt)
                    self._everyone()  # what was announced while away is in the store
                attempt = 0
                self.subscribed.set()
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    origin, _, visitor_id = _text(message["data"]).partition(" ")
                    if origin != self._origin and visitor_id:
                        self._deliver(visitor_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep listening whatever Redis does
                self.subscribed.clear()
                delay = RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS) - 1)]
                attempt += 1
                if attempt == 1:
                    log.warning("web chat bus: connection lost (%s)", type(exc).__name__)
                await asyncio.sleep(delay)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()


def _text(data: bytes | str) -> str:
    return data.decode() if isinstance(data, bytes) else data
