"""Open web chat sockets: who is connected, from where, and how fast they may talk.

All state here is per process and disposable: losing it (a restart) only means visitors
reconnect and resume from the store. Entries disappear with their last socket, so 10,000
idle visitors cost a socket each and nothing more.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from channels.webchat.settings import WebchatSettings


@dataclass(frozen=True, slots=True)
class WebchatLimits:
    connections_per_ip: int = 30
    messages_per_second: float = 5.0
    message_burst: int = 10
    # Refused frames in a row before a flooding socket is closed (it keeps costing CPU).
    flood_close_after: int = 50
    auth_timeout: float = 10.0
    send_timeout: float = 10.0

    @classmethod
    def from_settings(cls, webchat: WebchatSettings) -> WebchatLimits:
        return cls(
            connections_per_ip=webchat.max_connections_per_ip,
            messages_per_second=webchat.messages_per_second,
            message_burst=webchat.message_burst,
        )


class TokenBucket:
    """``rate`` tokens a second up to ``burst``; one token per message."""

    __slots__ = ("rate", "burst", "tokens", "stamp")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = now

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Transport(Protocol):
    async def send_text(self, data: str) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


class Connection:
    """One open, authenticated socket of a visitor."""

    __slots__ = ("transport", "visitor_id", "last_seq", "closed", "_lock", "_timeout")

    def __init__(self, transport: Transport, visitor_id: str, timeout: float) -> None:
        self.transport = transport
        self.visitor_id = visitor_id
        self.last_seq = 0  # the highest seq this socket has been sent
        self.closed = False
        self._lock = asyncio.Lock()
        self._timeout = timeout

    async def send(self, text: str) -> bool:
        """Send one frame; a dead or stuck socket is closed and reported as ``False``."""
        if self.closed:
            return False
        try:
            # A visitor whose browser stopped reading must not hold up anyone else.
            # (asyncio.timeout, not wait_for: wait_for wraps the send in a task of its own,
            # a loop round trip on every frame.)
            async with self._lock, asyncio.timeout(self._timeout):
                await self.transport.send_text(text)
            return True
        except Exception:  # noqa: BLE001 - any failure means the socket is gone
            await self.close(1011)
            return False

    async def close(self, code: int, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        try:
            await self.transport.close(code, reason)
        except Exception:  # noqa: BLE001, S110 - already closed by the peer
            pass


@dataclass(eq=False)
class Visitor:
    """Everything shared by the open sockets (tabs) of one visitor."""

    visitor_id: str
    bucket: TokenBucket
    connections: set[Connection] = field(default_factory=set)
    conversation_id: int | None = None
    # Turns being handled for this visitor right now; their handler flushes afterwards, so
    # the adapter need not start a flush of its own (see Feed.announce).
    busy: int = 0
    dirty: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    flush_task: asyncio.Task[None] | None = None


class ConnectionRegistry:
    def __init__(
        self, limits: WebchatLimits, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits
        self._monotonic = monotonic
        self._per_ip: dict[str, int] = {}
        self._visitors: dict[str, Visitor] = {}

    def admit_ip(self, ip: str) -> bool:
        count = self._per_ip.get(ip, 0)
        if count >= self.limits.connections_per_ip:
            return False
        self._per_ip[ip] = count + 1
        return True

    def release_ip(self, ip: str) -> None:
        count = self._per_ip.get(ip, 0) - 1
        if count > 0:
            self._per_ip[ip] = count
        else:
            self._per_ip.pop(ip, None)

    def attach(self, connection: Connection) -> Visitor:
        visitor = self._visitors.get(connection.visitor_id)
        if visitor is None:
            bucket = TokenBucket(
                self.limits.messages_per_second, self.limits.message_burst, self._monotonic()
            )
            visitor = Visitor(connection.visitor_id, bucket)
            self._visitors[connection.visitor_id] = visitor
        visitor.connections.add(connection)
        return visitor

    def visitor_ids(self) -> list[str]:
        return list(self._visitors)

    def detach(self, connection: Connection) -> None:
        visitor = self._visitors.get(connection.visitor_id)
        if visitor is None:
            return
        visitor.connections.discard(connection)
        if not visitor.connections:
            del self._visitors[connection.visitor_id]

    def get(self, visitor_id: str) -> Visitor | None:
        return self._visitors.get(visitor_id)

    def allow_message(self, visitor: Visitor) -> bool:
        return visitor.bucket.take(self._monotonic())

    def connections(self) -> list[Connection]:
        return [c for visitor in self._visitors.values() for c in visitor.connections]

    def connections_from(self, ip: str) -> int:
        return self._per_ip.get(ip, 0)

    def __len__(self) -> int:
        return sum(len(v.connections) for v in self._visitors.values())
