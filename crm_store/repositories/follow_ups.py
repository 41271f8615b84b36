"""Follow-up calls. The database refuses overlapping active follow-ups of one rep."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm_store.errors import FollowUpOverlap, InvalidTransition, NotFound, violated
from crm_store.models import ACTIVE_FOLLOW_UP, FollowUp, FollowUpStatus, Lead
from crm_store.repositories.base import Repository

_OVERLAP_MARKERS = ("follow_up_overlap", "ex_follow_ups_rep_overlap")


class FollowUpRepository(Repository):
    async def get(self, follow_up_id: int) -> FollowUp:
        follow_up = await self.session.get(FollowUp, follow_up_id)
        if follow_up is None:
            raise NotFound(f"follow-up {follow_up_id} not found")
        return follow_up

    async def book(
        self,
        *,
        lead_id: int,
        rep_id: int,
        starts_at: datetime,
        ends_at: datetime,
        customer_timezone: str,
    ) -> FollowUp:
        now = self.clock.now()
        follow_up = FollowUp(
            lead_id=lead_id,
            rep_id=rep_id,
            starts_at=starts_at,
            ends_at=ends_at,
            customer_timezone=customer_timezone,
            status=FollowUpStatus.BOOKED.value,
            created_at=now,
            updated_at=now,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(follow_up)
        except IntegrityError as exc:
            if violated(exc, *_OVERLAP_MARKERS):
                raise FollowUpOverlap(rep_id, starts_at, ends_at) from None
            raise
        self.emit("followup.booked", **_describe(follow_up))
        return follow_up

    async def reschedule(
        self, follow_up: FollowUp, starts_at: datetime, ends_at: datetime
    ) -> FollowUp:
        if follow_up.status not in ACTIVE_FOLLOW_UP:
            raise InvalidTransition("follow-up", follow_up.status, FollowUpStatus.RESCHEDULED)
        try:
            async with self.session.begin_nested():
                follow_up.starts_at, follow_up.ends_at = starts_at, ends_at
                follow_up.status = FollowUpStatus.RESCHEDULED.value
                follow_up.updated_at = self.clock.now()
        except IntegrityError as exc:
            # The savepoint rolled back; reload the row as the database has it.
            await self.session.refresh(follow_up)
            if violated(exc, *_OVERLAP_MARKERS):
                raise FollowUpOverlap(follow_up.rep_id, starts_at, ends_at) from None
            raise
        self.emit("followup.rescheduled", **_describe(follow_up))
        return follow_up

    async def set_status(self, follow_up: FollowUp, status: FollowUpStatus | str) -> FollowUp:
        status = FollowUpStatus(status)
        if follow_up.status not in ACTIVE_FOLLOW_UP:
            raise InvalidTransition("follow-up", follow_up.status, status)
        follow_up.status = status.value
        follow_up.updated_at = self.clock.now()
        kind = "cancelled" if status == FollowUpStatus.CANCELLED else "status_changed"
        self.emit(f"followup.{kind}", **_describe(follow_up))
        await self.session.flush()
        return follow_up

    async def busy(
        self, rep_ids: Collection[int], start: datetime, end: datetime
    ) -> list[FollowUp]:
        """Active follow-ups of these reps that intersect [start, end), in one query."""
        stmt = select(FollowUp).where(
            FollowUp.rep_id.in_(rep_ids),
            FollowUp.status.in_(ACTIVE_FOLLOW_UP),
            FollowUp.starts_at < end,
            FollowUp.ends_at > start,
        )
        return list((await self.session.scalars(stmt.order_by(FollowUp.starts_at))).all())

    async def upcoming_for_contact(self, contact_id: int, now: datetime) -> list[FollowUp]:
        """The contact's active calls (all their leads) that have not ended, earliest first."""
        stmt = (
            select(FollowUp)
            .join(Lead, Lead.id == FollowUp.lead_id)
            .where(
                Lead.contact_id == contact_id,
                FollowUp.status.in_(ACTIVE_FOLLOW_UP),
                FollowUp.ends_at > now,
            )
            .order_by(FollowUp.starts_at)
        )
        return list((await self.session.scalars(stmt)).all())

    async def for_lead(self, lead_id: int, *, active_only: bool = False) -> list[FollowUp]:
        stmt = select(FollowUp).where(FollowUp.lead_id == lead_id)
        if active_only:
            stmt = stmt.where(FollowUp.status.in_(ACTIVE_FOLLOW_UP))
        return list((await self.session.scalars(stmt.order_by(FollowUp.starts_at))).all())


def _describe(follow_up: FollowUp) -> dict[str, object]:
    return {
        "follow_up_id": follow_up.id,
        "lead_id": follow_up.lead_id,
        "rep_id": follow_up.rep_id,
        "starts_at": follow_up.starts_at,
        "ends_at": follow_up.ends_at,
        "status": follow_up.status,
    }
