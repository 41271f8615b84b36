"""``/follow-ups``: booked calls, by rep, status and date range."""

# No `from __future__ import annotations`: FastAPI must see the local `Caller` aliases.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from bot.api.auth import Principal
from bot.api.params import Limit, Offset, RepId, Since, TimeRange, Until, paginate
from bot.api.schemas import REP_FORBIDDEN, FollowUpOut, Page
from crm_store.models import FollowUp, FollowUpStatus
from crm_store.uow import UnitOfWork


def follow_ups_router(runtime: Any, principal: Any) -> APIRouter:
    router = APIRouter(prefix="/follow-ups", tags=["follow-ups"])
    Caller = Annotated[Principal, Depends(principal)]

    @router.get(
        "", response_model=Page[FollowUpOut], summary="List follow-ups", responses=REP_FORBIDDEN
    )
    async def list_follow_ups(
        who: Caller,
        rep_id: RepId = None,
        status_: Annotated[
            list[FollowUpStatus] | None, Query(alias="status", description="One or more.")
        ] = None,
        lead_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
        since: Since = None,
        until: Until = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[FollowUpOut]:
        """Follow-up calls in start order. `since`/`until` filter on the call's start time."""
        window = TimeRange.of(since, until)
        rep = who.rep_filter(rep_id)
        stmt = select(FollowUp).order_by(FollowUp.starts_at, FollowUp.id)
        if rep is not None:
            stmt = stmt.where(FollowUp.rep_id == rep)
        if status_:
            stmt = stmt.where(FollowUp.status.in_([s.value for s in status_]))
        if lead_id is not None:
            stmt = stmt.where(FollowUp.lead_id == lead_id)
        stmt = window.apply(stmt, FollowUp.starts_at)
        async with UnitOfWork(runtime.db, runtime.clock) as uow:
            rows, total, next_offset = await paginate(uow.session, stmt, limit, offset)
        items = [FollowUpOut.model_validate(r) for r in rows]
        return Page(items=items, total=total, limit=limit, offset=offset, next_offset=next_offset)

    return router
