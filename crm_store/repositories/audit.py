"""Append-only audit log of who did what to personal data and leads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm_store.models import AuditLog
from crm_store.repositories.base import Repository


class AuditRepository(Repository):
    async def log(
        self,
        actor: str,
        action: str,
        *,
        target_type: str | None = None,
        target_id: str | int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditLog:
        entry = AuditLog(
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            detail=dict(detail or {}),
            at=self.clock.now(),
        )
        self.session.add(entry)
        await self.session.flush()
        return entry

    async def recent(self, limit: int = 100) -> list[AuditLog]:
        stmt = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
        return list((await self.session.scalars(stmt)).all())
