"""A channel adapter that records what it is asked to send: the transport seam where stories
(and the test driver) see exactly what a customer would, without a platform behind it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from channels.base import DeliveryError
from dialogs.core.types import ChannelAddress, Reply


@dataclass(frozen=True)
class Sent:
    address: ChannelAddress
    reply: Reply
    role: str  # bot, or agent for a rep's message


class RecordingAdapter:
    """Records every reply it sends, and can be told to fail (to test retries)."""

    def __init__(self, name: str = "webchat") -> None:
        self.name = name
        self.sent: list[Sent] = []
        self.failures: list[DeliveryError] = []
        self._ids = itertools.count(1)

    def fail_next(self, times: int = 1, *, transient: bool = True) -> None:
        self.failures.extend(DeliveryError("simulated", transient=transient) for _ in range(times))

    async def send(self, address: ChannelAddress, reply: Reply, *, role: str = "bot") -> str | None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(Sent(address, reply, role))
        return f"{self.name}-{next(self._ids)}"

    def to(self, address: ChannelAddress) -> list[Reply]:
        return [s.reply for s in self.sent if s.address == address]
