"""Reading the business events outbox (written by the other repositories)."""

from __future__ import annotations

from sqlalchemy import select

from crm_store.models import DomainEvent
from crm_store.repositories.base import Repository


class EventRepository(Repository):
    async def after(self, last_id: int = 0, limit: int = 500) -> list[DomainEvent]:
        """Events with an id greater than ``last_id``, oldest first (a consumer's cursor)."""
        stmt = select(DomainEvent).where(DomainEvent.id > last_id).order_by(DomainEvent.id)
        return list((await self.session.scalars(stmt.limit(limit))).all())

    async def of_type(self, type: str) -> list[DomainEvent]:
        stmt = select(DomainEvent).where(DomainEvent.type == type).order_by(DomainEvent.id)
        return list((await self.session.scalars(stmt)).all())
