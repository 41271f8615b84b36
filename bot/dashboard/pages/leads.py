"""Leads: list and filter; change status (reps: their own leads) and owner (managers).

Changes go through ``uow.leads.transition``/``update`` (so the pipeline rules, the stage
history and the business events are the same as everywhere else) and into the audit log.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response
from sqlalchemy import func, or_, select

from bot.dashboard.core import EXPORT_LIMIT, Dashboard, opt, opt_int
from bot.dashboard.pages.conversations import contact_label
from bot.dashboard.render import csv_response
from bot.reports.tables import Table
from crm_store.errors import InvalidTransition
from crm_store.models import Contact, Lead, LeadStatus, Rep
from crm_store.repositories.leads import ALLOWED

LIMIT = 300
COLUMNS = (
    "lead_id",
    "created_at",
    "contact",
    "status",
    "owner",
    "source_channel",
    "campaign",
    "product_interest",
    "estimated_value",
    "score",
    "updated_at",
)


def routes(router: APIRouter, dash: Dashboard) -> None:
    @router.get("/leads")
    async def leads(request: Request) -> Response:
        viewer = await dash.require(request)
        q = request.query_params
        f = dash.filters(request)
        stmt = (
            select(Lead, Contact, Rep.name)
            .join(Contact, Contact.id == Lead.contact_id)
            .outerjoin(Rep, Rep.id == Lead.owner_rep_id)
            .where(viewer.leads())
            .order_by(Lead.id.desc())
            .limit(EXPORT_LIMIT if q.get("export") else LIMIT)
        )
        lead_id = opt_int(q.get("id"))
        if lead_id is not None:
            stmt = stmt.where(Lead.id == lead_id)
        else:
            stmt = f.window.apply(stmt, Lead.created_at)
        if opt(q.get("status")) in set(LeadStatus):
            stmt = stmt.where(Lead.status == q["status"])
        if opt(q.get("channel")):
            stmt = stmt.where(Lead.source_channel == q["channel"])
        if opt(q.get("campaign")):
            stmt = stmt.where(Lead.campaign == q["campaign"])
        owner = None if viewer.is_rep else q.get("owner")
        if owner == "none":
            stmt = stmt.where(Lead.owner_rep_id.is_(None))
        elif opt_int(owner) is not None:
            stmt = stmt.where(Lead.owner_rep_id == int(owner or 0))
        text = opt(q.get("q"))
        if text:
            like = text.lower()
            stmt = stmt.where(
                or_(
                    func.lower(Contact.name).contains(like, autoescape=True),
                    func.lower(Contact.email).contains(like, autoescape=True),
                    func.lower(Contact.company).contains(like, autoescape=True),
                )
            )
        async with dash.uow() as uow:
            rows = (await uow.session.execute(stmt)).all()
            reps = await uow.reps.list()
            channels = (await uow.session.scalars(select(Lead.source_channel).distinct())).all()
            campaigns = (
                await uow.session.scalars(
                    select(Lead.campaign).where(Lead.campaign.is_not(None)).distinct()
                )
            ).all()
        table = Table(
            "leads",
            COLUMNS,
            tuple(
                (
                    lead.id,
                    lead.created_at,
                    contact_label(contact),
                    lead.status,
                    owner_name,
                    lead.source_channel,
                    lead.campaign,
                    lead.product_interest,
                    lead.estimated_value,
                    lead.score,
                    lead.updated_at,
                )
                for lead, contact, owner_name in rows
            ),
        )
        if q.get("export") == "leads":
            return csv_response(table)
        return dash.render(
            request,
            viewer,
            "leads.html",
            f=f,
            rows=rows,
            table=table,
            allowed={s: sorted(ALLOWED[LeadStatus(s)]) for s in LeadStatus},
            reps=[(str(r.id), r.name) for r in reps],
            options={
                "status": [(s.value, s.value) for s in LeadStatus],
                "channel": [(c, c) for c in sorted(channels)],
                "campaign": [(c, c) for c in sorted(campaigns)],
                "owner": []
                if viewer.is_rep
                else [("none", "–")] + [(str(r.id), r.name) for r in reps],
            },
            updated=opt_int(q.get("updated")),
            failed=opt_int(q.get("failed")),
            reason=q.get("reason", ""),
        )

    @router.post("/leads/{lead_id}/status")
    async def change_status(request: Request, lead_id: int) -> Response:
        viewer = await dash.require(request)
        form = await dash.form(request)
        wanted = form.get("status", "")
        async with dash.uow() as uow:
            lead = (
                await uow.session.scalars(select(Lead).where(Lead.id == lead_id, viewer.leads()))
            ).first()
            if lead is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such lead")
            before = lead.status
            try:
                await uow.leads.transition(lead, LeadStatus(wanted), actor=viewer.actor)
            except (ValueError, InvalidTransition) as exc:
                return dash.back(_back(form, failed=lead_id, reason=str(exc)))
            await uow.audit.log(
                viewer.actor,
                "lead.status",
                target_type="lead",
                target_id=lead_id,
                detail={"from": before, "to": lead.status},
            )
        return dash.back(_back(form, updated=lead_id))

    @router.post("/leads/{lead_id}/owner")
    async def change_owner(request: Request, lead_id: int) -> Response:
        viewer = await dash.require(request)
        form = await dash.form(request)
        if viewer.is_rep:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "only managers reassign leads")
        owner = opt_int(form.get("owner"))
        async with dash.uow() as uow:
            lead = await uow.session.get(Lead, lead_id)
            if lead is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such lead")
            if owner is not None and await uow.session.get(Rep, owner) is None:
                return dash.back(_back(form, failed=lead_id, reason="no such rep"))
            before = lead.owner_rep_id
            await uow.leads.update(lead, owner_rep_id=owner)
            await uow.audit.log(
                viewer.actor,
                "lead.owner",
                target_type="lead",
                target_id=lead_id,
                detail={"from": before, "to": owner},
            )
        return dash.back(_back(form, updated=lead_id))


def _back(form: dict[str, str], **result: object) -> str:
    """Back to the list the form was on (its filters kept), with the outcome."""
    keep = {k[2:]: v for k, v in form.items() if k.startswith("f_") and v}
    keep.update({k: str(v) for k, v in result.items()})
    return "/admin/leads?" + urlencode(keep)
