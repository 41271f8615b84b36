"""``/leads``: list with filters, read one, change status (pipeline rules) and owner."""

# No `from __future__ import annotations`: FastAPI must see the local `Caller` aliases.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy import select

from bot.api.auth import Principal
from bot.api.params import (
    Channel,
    ContactId,
    IdPath,
    Limit,
    Offset,
    RepId,
    Since,
    TimeRange,
    Until,
    paginate,
)
from bot.api.schemas import (
    REP_FORBIDDEN,
    ContactBrief,
    ErrorOut,
    FollowUpOut,
    LeadDetail,
    LeadOut,
    LeadPatch,
    Page,
    TransitionOut,
)
from crm_store.errors import InvalidTransition
from crm_store.models import Lead, LeadStatus, Rep
from crm_store.repositories.leads import ALLOWED
from crm_store.uow import UnitOfWork

NOT_FOUND = {404: {"model": ErrorOut, "description": "No such lead (or not this rep's)."}}


def leads_router(runtime: Any, principal: Any) -> APIRouter:
    router = APIRouter(prefix="/leads", tags=["leads"])
    Caller = Annotated[Principal, Depends(principal)]

    async def visible_lead(uow: UnitOfWork, who: Principal, lead_id: int) -> Lead:
        stmt = select(Lead).where(Lead.id == lead_id, who.leads())
        lead = (await uow.session.scalars(stmt)).first()
        if lead is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"lead {lead_id} not found")
        return lead

    async def detail(uow: UnitOfWork, lead: Lead) -> LeadDetail:
        contact = await uow.contacts.get(lead.contact_id)
        return LeadDetail(
            **LeadOut.model_validate(lead).model_dump(),
            contact=ContactBrief.model_validate(contact),
            transitions=[
                TransitionOut.model_validate(t) for t in await uow.leads.transitions(lead.id)
            ],
            follow_ups=[
                FollowUpOut.model_validate(f) for f in await uow.follow_ups.for_lead(lead.id)
            ],
        )

    @router.get("", response_model=Page[LeadOut], summary="List leads", responses=REP_FORBIDDEN)
    async def list_leads(
        who: Caller,
        status_: Annotated[
            list[LeadStatus] | None,
            Query(alias="status", description="One or more pipeline stages."),
        ] = None,
        channel: Channel = None,
        rep_id: RepId = None,
        contact_id: ContactId = None,
        since: Since = None,
        until: Until = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[LeadOut]:
        """Leads, newest first. `since`/`until` filter on when the lead was created."""
        window = TimeRange.of(since, until)
        rep = who.rep_filter(rep_id)
        stmt = select(Lead).where(who.leads()).order_by(Lead.id.desc())
        if status_:
            stmt = stmt.where(Lead.status.in_([s.value for s in status_]))
        if channel is not None:
            stmt = stmt.where(Lead.source_channel == channel)
        if rep is not None:
            stmt = stmt.where(Lead.owner_rep_id == rep)
        if contact_id is not None:
            stmt = stmt.where(Lead.contact_id == contact_id)
        stmt = window.apply(stmt, Lead.created_at)
        async with UnitOfWork(runtime.db, runtime.clock) as uow:
            rows, total, next_offset = await paginate(uow.session, stmt, limit, offset)
            await uow.audit.log(
                who.actor,
                "api.leads.list",
                target_type="lead",
                detail={"returned": len(rows), "total": total, "offset": offset},
            )
        items = [LeadOut.model_validate(r) for r in rows]
        return Page(items=items, total=total, limit=limit, offset=offset, next_offset=next_offset)

    @router.get("/{lead_id}", response_model=LeadDetail, responses=NOT_FOUND, summary="Get a lead")
    async def get_lead(lead_id: IdPath, who: Caller) -> LeadDetail:
        """A lead with its contact, stage history and follow-ups."""
        async with UnitOfWork(runtime.db, runtime.clock) as uow:
            lead = await visible_lead(uow, who, lead_id)
            await uow.audit.log(who.actor, "api.leads.get", target_type="lead", target_id=lead.id)
            return await detail(uow, lead)

    @router.patch(
        "/{lead_id}",
        response_model=LeadDetail,
        summary="Change a lead's status or owner",
        responses={
            **NOT_FOUND,
            400: {"model": ErrorOut, "description": "The body is not valid JSON."},
            403: {"model": ErrorOut, "description": "Rep tokens cannot reassign leads."},
            409: {"model": ErrorOut, "description": "The pipeline does not allow this move."},
        },
    )
    async def patch_lead(lead_id: IdPath, change: LeadPatch, who: Caller) -> LeadDetail:
        """Move a lead along new -> qualified -> meeting_booked -> won | lost, or reassign it.

        Both changes happen together or not at all.
        """
        fields = change.model_fields_set
        if not fields:
            raise HTTPException(422, [_body_error("give status and/or owner_rep_id")])
        if "owner_rep_id" in fields and who.is_rep:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "a rep token cannot reassign leads")
        async with UnitOfWork(runtime.db, runtime.clock) as uow:
            lead = await visible_lead(uow, who, lead_id)
            before = {"status": lead.status, "owner_rep_id": lead.owner_rep_id}
            if "owner_rep_id" in fields and change.owner_rep_id != lead.owner_rep_id:
                if change.owner_rep_id is not None and not await uow.session.get(
                    Rep, change.owner_rep_id
                ):
                    raise HTTPException(
                        422,
                        [_body_error(f"rep {change.owner_rep_id} does not exist", "owner_rep_id")],
                    )
                # Through the repository, as the dashboard does: it emits lead.updated.
                await uow.leads.update(lead, owner_rep_id=change.owner_rep_id)
            if change.status is not None:
                try:
                    await uow.leads.transition(lead, change.status, actor=who.actor)
                except InvalidTransition:
                    raise HTTPException(
                        status.HTTP_409_CONFLICT, _refused(lead.status, change.status)
                    ) from None
            await uow.session.flush()
            after = {"status": lead.status, "owner_rep_id": lead.owner_rep_id}
            await uow.audit.log(
                who.actor,
                "api.leads.update",
                target_type="lead",
                target_id=lead.id,
                detail={"before": before, "after": after},
            )
            return await detail(uow, lead)

    return router


def _refused(current: str, wanted: str) -> str:
    allowed = sorted(str(s) for s in ALLOWED[LeadStatus(current)])
    options = f"allowed: {', '.join(allowed)}" if allowed else f"{current} is final"
    return f"a lead cannot go from {current} to {wanted} ({options})"


def _body_error(message: str, field: str | None = None) -> dict[str, Any]:
    loc = ["body", field] if field else ["body"]
    return {"type": "value_error", "loc": loc, "msg": message}
