"""Leads and their pipeline: new -> qualified -> meeting_booked -> won | lost."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm_store.errors import InvalidTransition, NotFound
from crm_store.models import Lead, LeadStatus, LeadTransition
from crm_store.repositories.base import Repository

S = LeadStatus
# Forward moves, plus "lost" from any open stage. A cancelled meeting sends the lead back
# to qualified. Won and lost are final.
ALLOWED: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.QUALIFIED, S.MEETING_BOOKED, S.LOST}),
    S.QUALIFIED: frozenset({S.MEETING_BOOKED, S.WON, S.LOST}),
    S.MEETING_BOOKED: frozenset({S.QUALIFIED, S.WON, S.LOST}),
    S.WON: frozenset(),
    S.LOST: frozenset(),
}


_UPDATABLE = {
    "score",
    "product_interest",
    "estimated_value",
    "campaign",
    "answers",
    "owner_rep_id",
}


class LeadRepository(Repository):
    async def get(self, lead_id: int) -> Lead:
        stmt = select(Lead).where(Lead.id == lead_id).options(selectinload(Lead.transitions))
        lead = (await self.session.scalars(stmt)).first()
        if lead is None:
            raise NotFound(f"lead {lead_id} not found")
        return lead

    async def create(
        self,
        contact_id: int,
        *,
        source_channel: str,
        campaign: str | None = None,
        product_interest: str | None = None,
        estimated_value: float | None = None,
        score: int = 0,
        answers: dict[str, Any] | None = None,
        actor: str = "bot",
    ) -> Lead:
        now = self.clock.now()
        lead = Lead(
            contact_id=contact_id,
            status=S.NEW.value,
            score=score,
            product_interest=product_interest,
            estimated_value=estimated_value,
            source_channel=source_channel,
            campaign=campaign,
            answers=answers or {},
            created_at=now,
            updated_at=now,
        )
        self.session.add(lead)
        await self.session.flush()
        self.session.add(
            LeadTransition(lead_id=lead.id, from_status=None, to_status=S.NEW, at=now, actor=actor)
        )
        self.emit(
            "lead.created",
            lead_id=lead.id,
            contact_id=contact_id,
            source_channel=source_channel,
            campaign=campaign,
            product_interest=product_interest,
            score=score,
        )
        await self.session.flush()
        return lead

    async def transition(self, lead: Lead, to: LeadStatus | str, *, actor: str = "bot") -> Lead:
        to = LeadStatus(to)
        current = LeadStatus(lead.status)
        if to == current:
            return lead
        if to not in ALLOWED[current]:
            raise InvalidTransition("lead", current, to)
        now = self.clock.now()
        lead.status = to.value
        lead.updated_at = now
        self.session.add(
            LeadTransition(lead_id=lead.id, from_status=current, to_status=to, at=now, actor=actor)
        )
        self.emit(
            "lead.status_changed", lead_id=lead.id, from_status=current.value, to_status=to.value
        )
        if to == S.QUALIFIED:
            self.emit(
                "lead.qualified", lead_id=lead.id, contact_id=lead.contact_id, score=lead.score
            )
        await self.session.flush()
        return lead

    async def update(self, lead: Lead, **fields: Any) -> Lead:
        """Change a lead's details (not its status: see ``transition``)."""
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise TypeError(f"unknown lead fields: {sorted(unknown)}")
        changed = {k: v for k, v in fields.items() if getattr(lead, k) != v}
        for key, value in changed.items():
            # A new dict for JSON columns, so the change is seen.
            setattr(lead, key, dict(value) if isinstance(value, dict) else value)
        if changed:
            lead.updated_at = self.clock.now()
            self.emit("lead.updated", lead_id=lead.id, fields=sorted(changed))
            await self.session.flush()
        return lead

    async def for_contact(self, contact_id: int) -> list[Lead]:
        stmt = select(Lead).where(Lead.contact_id == contact_id).order_by(Lead.id)
        return list((await self.session.scalars(stmt)).all())

    async def open_for_contact(self, contact_id: int) -> Lead | None:
        stmt = (
            select(Lead)
            .where(Lead.contact_id == contact_id, Lead.status.not_in([S.WON, S.LOST]))
            .order_by(Lead.id.desc())
        )
        return (await self.session.scalars(stmt)).first()

    async def list(
        self, *, owner_rep_id: int | None = None, status: str | None = None, limit: int = 100
    ) -> list[Lead]:
        stmt = select(Lead).order_by(Lead.id.desc()).limit(limit)
        if owner_rep_id is not None:
            stmt = stmt.where(Lead.owner_rep_id == owner_rep_id)
        if status is not None:
            stmt = stmt.where(Lead.status == LeadStatus(status).value)
        return list((await self.session.scalars(stmt)).all())

    async def transitions(self, lead_id: int) -> list[LeadTransition]:
        stmt = select(LeadTransition).where(LeadTransition.lead_id == lead_id)
        return list((await self.session.scalars(stmt.order_by(LeadTransition.id))).all())
