"""Prometheus metrics at ``/metrics``: what flows through the hub and what is waiting.

One registry per app (not the library's global one), so tests and several apps in one
process never share counters. Counters are updated on the hot path; the backlog gauges are
read from the store when Prometheus scrapes.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select

from crm_store.database import Database
from crm_store.models import Delivery, Message, ScheduledTask, TaskState

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.received = Counter(
            "salesbot_messages_received",
            "Customer messages that reached the hub, by channel and outcome.",
            ["channel", "status"],
            registry=self.registry,
        )
        self.delivered = Counter(
            "salesbot_replies_delivered",
            "Replies handed to a channel adapter successfully.",
            ["channel"],
            registry=self.registry,
        )
        self.delivery_failures = Counter(
            "salesbot_delivery_failures",
            "Failed delivery attempts (each is retried with backoff unless permanent).",
            ["channel"],
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "salesbot_outbox_pending",
            "Replies committed but not delivered yet.",
            registry=self.registry,
        )
        self.tasks_due = Gauge(
            "salesbot_scheduled_tasks_due",
            "Scheduled tasks whose time has come but which have not run yet.",
            registry=self.registry,
        )

    async def render(self, db: Database, now_utc: object) -> bytes:
        async with db.engine.connect() as conn:
            pending = await conn.scalar(
                select(func.count(Message.id)).where(Message.delivery == Delivery.PENDING.value)
            )
            due = await conn.scalar(
                select(func.count(ScheduledTask.id)).where(
                    ScheduledTask.state == TaskState.PENDING.value,
                    ScheduledTask.due_at <= now_utc,
                )
            )
        self.outbox_pending.set(pending or 0)
        self.tasks_due.set(due or 0)
        return generate_latest(self.registry)
