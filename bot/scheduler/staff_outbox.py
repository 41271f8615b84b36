"""Delivering ``StaffMessage`` rows through the configured staff channel (Slack).

Producers write the rows in the same transaction as their work; this sends them after the
commit and retries failures with backoff (a 429's ``retry_after`` is honoured), giving up
after ``max_attempts``.
"""

from __future__ import annotations

from bot.scheduler.row_outbox import DeliveryRound, RowOutbox
from bot.staff import StaffChannel
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.models.ops import StaffMessage


class StaffOutbox:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        channel: StaffChannel,
        *,
        max_attempts: int = 10,
        batch: int = 50,
    ) -> None:
        self.channel = channel
        self._rows = RowOutbox(
            db,
            clock,
            StaffMessage,
            channel.deliver,
            sent_field="delivered_at",
            max_attempts=max_attempts,
            batch=batch,
        )

    async def deliver_due(self) -> DeliveryRound:
        return await self._rows.deliver_due()
