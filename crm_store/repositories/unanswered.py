"""Questions the bot could not answer, kept for the team that writes the FAQ."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from crm_store.models import UnansweredQuestion
from crm_store.repositories.base import Repository


class UnansweredRepository(Repository):
    async def record(
        self,
        *,
        conversation_id: int,
        text: str,
        language: str,
        message_id: int | None = None,
        best_guess: str | None = None,
    ) -> UnansweredQuestion:
        row = UnansweredQuestion(
            conversation_id=conversation_id,
            message_id=message_id,
            text=text[:2000],
            language=language,
            best_guess=best_guess,
            created_at=self.clock.now(),
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def since(
        self, start: datetime | None = None, limit: int = 1000
    ) -> list[UnansweredQuestion]:
        stmt = select(UnansweredQuestion).order_by(UnansweredQuestion.id).limit(limit)
        if start is not None:
            stmt = stmt.where(UnansweredQuestion.created_at >= start)
        return list((await self.session.scalars(stmt)).all())
