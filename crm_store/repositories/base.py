from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm_store.clock import Clock
from crm_store.models import DomainEvent


class Repository:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock

    def emit(self, type: str, **data: Any) -> DomainEvent:
        """Record a business event in the current transaction (the transactional outbox)."""
        event = DomainEvent(
            event_id=str(uuid.uuid4()), type=type, data=_jsonable(data), at=self.clock.now()
        )
        self.session.add(event)
        return event


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        out[key] = value
    return out
