from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock


class Repository:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock
