"""Conversations: search, and read a transcript with who said what (customer, bot, rep).

A rep sees only the conversations assigned to them or belonging to their leads' contacts
(the API's rule); anyone else's answers 404, as if it did not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, or_, select

from bot.dashboard.core import EXPORT_LIMIT, Dashboard, opt, opt_int
from bot.dashboard.i18n import translator
from bot.dashboard.render import csv_response
from bot.reports.tables import Table
from crm_store.models import Contact, Conversation, Lead, Message, Rep

LIMIT = 200
STATUSES = ("bot", "handoff", "closed")


def routes(router: APIRouter, dash: Dashboard) -> None:
    @router.get("/conversations")
    async def conversations(request: Request) -> Response:
        viewer = await dash.require(request)
        q = request.query_params
        f = dash.filters(request)
        last = func.coalesce(Conversation.last_message_at, Conversation.created_at)
        stmt = (
            select(Conversation, Contact, Rep.name)
            .join(Contact, Contact.id == Conversation.contact_id)
            .outerjoin(Rep, Rep.id == Conversation.assigned_rep_id)
            .where(viewer.conversations())
            .order_by(last.desc(), Conversation.id.desc())
            .limit(EXPORT_LIMIT if q.get("export") else LIMIT)
        )
        stmt = f.window.apply(stmt, last)
        if opt(q.get("status")) in STATUSES:
            stmt = stmt.where(Conversation.status == q["status"])
        if opt(q.get("channel")):
            stmt = stmt.where(Conversation.channel == q["channel"])
        rep = None if viewer.is_rep else opt_int(q.get("rep"))
        if rep is not None:
            stmt = stmt.where(Conversation.assigned_rep_id == rep)
        text = opt(q.get("q"))
        if text:
            like = text.lower()
            said = select(Message.conversation_id).where(
                func.lower(Message.text).contains(like, autoescape=True)
            )
            stmt = stmt.where(
                or_(
                    Conversation.id.in_(said),
                    func.lower(Contact.name).contains(like, autoescape=True),
                    func.lower(Contact.email).contains(like, autoescape=True),
                )
            )
        async with dash.uow() as uow:
            rows = (await uow.session.execute(stmt)).all()
            # Counted for the listed conversations only (the store's every message would be
            # grouped otherwise, on each page view).
            counted = await uow.session.execute(
                select(Message.conversation_id, func.count(Message.id))
                .where(Message.conversation_id.in_([c.id for c, _, _ in rows]))
                .group_by(Message.conversation_id)
            )
            counts = {conversation_id: n for conversation_id, n in counted}
            reps = [(str(r.id), r.name) for r in await uow.reps.list()]
            channels = (await uow.session.scalars(select(Conversation.channel).distinct())).all()
        table = Table(
            "conversations",
            (
                "conversation_id",
                "created_at",
                "last_message_at",
                "channel",
                "contact",
                "language",
                "status",
                "owner",
                "messages",
            ),
            tuple(
                (
                    c.id,
                    c.created_at,
                    c.last_message_at or c.created_at,
                    c.channel,
                    contact_label(contact),
                    c.language,
                    c.status,
                    owner,
                    counts.get(c.id, 0),
                )
                for c, contact, owner in rows
            ),
        )
        if q.get("export") == "conversations":
            return csv_response(table)
        return dash.render(
            request,
            viewer,
            "conversations.html",
            f=f,
            table=table,
            statuses=[(s, s) for s in STATUSES],
            options={
                "channel": [(c, c) for c in sorted(channels)],
                "rep": [] if viewer.is_rep else reps,
            },
        )

    @router.get("/conversations/{conversation_id}")
    async def conversation(request: Request, conversation_id: int) -> Response:
        viewer = await dash.require(request)
        t = translator(dash.lang(request))
        async with dash.uow() as uow:
            row = (
                await uow.session.execute(
                    select(Conversation, Contact)
                    .join(Contact, Contact.id == Conversation.contact_id)
                    .where(Conversation.id == conversation_id, viewer.conversations())
                )
            ).first()
            if row is None:
                return dash.not_found(request, viewer)
            conv, contact = row
            messages = await uow.messages.transcript(conv.id)
            owner = (
                await uow.session.get(Rep, conv.assigned_rep_id) if conv.assigned_rep_id else None
            )
            leads = (
                await uow.session.scalars(
                    select(Lead).where(Lead.contact_id == contact.id, viewer.leads())
                )
            ).all()
        rep_name = owner.name if owner else t("who_agent")

        def who(role: str) -> str:
            if role == "agent":
                return rep_name
            return t("who_customer") if role == "customer" else t("who_bot")

        table = Table(
            "transcript",
            ("seq", "at", "role", "who", "text"),
            tuple((m.seq, m.created_at, m.role, who(m.role), m.text) for m in messages),
        )
        if request.query_params.get("export") == "transcript":
            return csv_response(table, f"conversation-{conv.id}.csv")
        return dash.render(
            request,
            viewer,
            "conversation.html",
            conv=conv,
            contact=contact,
            contact_name=contact_label(contact),
            owner=owner,
            leads=leads,
            messages=messages,
            who=who,
            table=table,
        )


def contact_label(contact: Contact) -> str:
    return contact.name or contact.email or contact.phone or f"#{contact.id}"
