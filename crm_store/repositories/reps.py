"""Sales reps: who takes handoffs and follow-ups, and when they work."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm_store.errors import NotFound
from crm_store.models import Rep
from crm_store.repositories.base import Repository


class RepRepository(Repository):
    async def get(self, rep_id: int) -> Rep:
        rep = await self.session.get(Rep, rep_id)
        if rep is None:
            raise NotFound(f"rep {rep_id} not found")
        return rep

    async def by_email(self, email: str) -> Rep | None:
        return (await self.session.scalars(select(Rep).where(Rep.email == email.lower()))).first()

    async def by_slack_user(self, slack_user_id: str) -> Rep | None:
        stmt = select(Rep).where(Rep.slack_user_id == slack_user_id)
        return (await self.session.scalars(stmt)).first()

    async def list(self, *, active_only: bool = False) -> list[Rep]:
        stmt = select(Rep).order_by(Rep.id)
        if active_only:
            stmt = stmt.where(Rep.active.is_(True))
        return list((await self.session.scalars(stmt)).all())

    async def upsert(
        self,
        *,
        name: str,
        email: str,
        timezone: str,
        slack_user_id: str | None = None,
        working_hours: dict[str, Any] | None = None,
        languages: list[str] | None = None,
        active: bool = True,
    ) -> Rep:
        """Insert a rep or update the one with the same e-mail (config sync is repeatable)."""
        rep = await self.by_email(email)
        if rep is None:
            rep = Rep(email=email.lower(), created_at=self.clock.now())
            self.session.add(rep)
        rep.name = name
        rep.timezone = timezone
        rep.slack_user_id = slack_user_id
        rep.working_hours = dict(working_hours or {})
        rep.languages = list(languages or [])
        rep.active = active
        await self.session.flush()
        return rep
