"""What every channel adapter provides to the core.

An adapter translates only: platform payload -> ``InboundMessage`` (it then calls
``ConversationHub.receive``) and ``Reply`` -> platform call. It never touches dialogs or
the store.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from dialogs.core.types import ChannelAddress, Reply


class DeliveryError(Exception):
    """Sending failed. ``transient`` failures are retried with backoff; others are not."""

    def __init__(self, message: str, *, transient: bool = True, retry_after: float | None = None):
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after


@runtime_checkable
class ChannelAdapter(Protocol):
    name: str

    async def send(self, address: ChannelAddress, reply: Reply, *, role: str = "bot") -> str | None:
        """Deliver one reply; return the platform's message id if it gives one.

        ``role`` is ``bot`` or ``agent`` (a rep's message relayed from Slack), so channels
        that can show who is speaking do so. Raise ``DeliveryError`` on failure.
        """
        ...
