"""Consent history per contact and purpose; the newest row is the current answer."""

from __future__ import annotations

from sqlalchemy import select

from crm_store.models import Consent
from crm_store.repositories.base import Repository


class ConsentRepository(Repository):
    async def record(
        self, contact_id: int, *, purpose: str, text_shown: str, granted: bool, channel: str
    ) -> Consent:
        consent = Consent(
            contact_id=contact_id,
            purpose=purpose,
            text_shown=text_shown,
            granted=granted,
            channel=channel,
            at=self.clock.now(),
        )
        self.session.add(consent)
        await self.session.flush()
        return consent

    async def current(self, contact_id: int, purpose: str) -> bool:
        stmt = (
            select(Consent.granted)
            .where(Consent.contact_id == contact_id, Consent.purpose == purpose)
            .order_by(Consent.at.desc(), Consent.id.desc())
            .limit(1)
        )
        return bool(await self.session.scalar(stmt))

    async def history(self, contact_id: int) -> list[Consent]:
        stmt = select(Consent).where(Consent.contact_id == contact_id).order_by(Consent.id)
        return list((await self.session.scalars(stmt)).all())
