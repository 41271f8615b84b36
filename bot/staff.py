"""Messages to sales staff: the protocol between the producers and the staff channel.

Producers (scheduled reminders, escalations, detractor alerts, digests) write
``crm_store.models.ops.StaffMessage`` rows in the same transaction as their work. A
``StaffChannel`` (Slack in production, ``InMemoryStaff`` in tests and when Slack is off)
delivers them after the commit; undelivered rows are retried.
"""

from __future__ import annotations

from typing import Protocol

from crm_store.models.ops import StaffMessage


class StaffChannel(Protocol):
    async def deliver(self, message: StaffMessage) -> str | None:
        """Send one staff message; return a platform reference (e.g. "C123:1700.1").

        Raise ``channels.base.DeliveryError`` on failure (``transient`` decides retries).
        """
        ...


class InMemoryStaff:
    """Keeps what would have been sent: for tests, and when no staff channel is configured."""

    def __init__(self) -> None:
        self.sent: list[StaffMessage] = []

    async def deliver(self, message: StaffMessage) -> str | None:
        self.sent.append(message)
        return f"memory:{message.id}"
