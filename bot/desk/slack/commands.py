"""``/salesbot``: what reps and managers ask salesbot from anywhere in Slack.

``leads`` (my open leads), ``followups`` (my next calls, in my time and the customer's),
``handoffs`` (handoffs waiting or in progress), ``report`` (managers: CSAT and NPS for the
last 7 and 30 days, leads by status and channel), ``find <email|phone|name>``. Answers are
ephemeral Block Kit messages (only the asker sees them), split to Slack's limits.

Who is a manager: whoever runs the command in the managers channel, or a rep linked to a
dashboard user with the ``manager`` or ``admin`` role.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.desk.slack.cards import SlackCards
from bot.desk.slack.cardview import CHANNELS, customer_names, lead_summary
from bot.reports.surveys import load_survey_rows, summarize
from bot.settings.model import Settings
from channels.slack import blocks as bk
from channels.slack.escape import escape_text
from channels.slack.translate import SlashCommand
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.models import (
    ACTIVE_FOLLOW_UP,
    Contact,
    Conversation,
    FollowUp,
    Lead,
    LeadStatus,
    Rep,
)
from crm_store.models.ops import User
from crm_store.uow import UnitOfWork

LIST_LIMIT = 15
MAX_RESPONSES = 5  # a response_url takes at most five answers
USAGE = (
    "*/salesbot* commands:\n"
    "• `leads` — your open leads\n"
    "• `followups` — your next follow-up calls\n"
    "• `handoffs` — open handoffs\n"
    "• `report` — CSAT, NPS and leads (managers)\n"
    "• `find <email|phone|name>` — look up a customer"
)


def ephemeral(title: str, lines: list[str], empty: str = "Nothing here.") -> list[dict[str, Any]]:
    """A titled list -> response bodies (more than one if Slack's limits require)."""
    body = "\n".join(lines) if lines else f"_{empty}_"
    blocks = [bk.header(title), *bk.sections(body)]
    return [
        {"response_type": "ephemeral", "text": title, "blocks": page}
        for page in bk.paginate(blocks)
    ][:MAX_RESPONSES]


class Commands:
    def __init__(self, *, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    async def run(self, command: SlashCommand) -> list[dict[str, Any]]:
        verb, _, rest = command.text.strip().partition(" ")
        verb = verb.lower()
        async with UnitOfWork(self.db, self.clock) as uow:
            rep = await uow.reps.by_slack_user(command.user_id)
            if verb == "find" and rest.strip():
                return await self.find(uow, rest.strip())
            if verb == "handoffs":
                return await self.handoffs(uow)
            if verb == "report":
                if not await self._is_manager(uow, command, rep):
                    return ephemeral("Report", ["The report is for managers."])
                return await self.report(uow)
            if verb in ("leads", "followups"):
                if rep is None:
                    return ephemeral(
                        verb.capitalize(),
                        ["You are not set up as a rep (slack_user_id in config/reps.yaml)."],
                    )
                if verb == "leads":
                    return await self.leads(uow, rep)
                return await self.followups(uow, rep)
        return ephemeral("salesbot", [USAGE])

    async def leads(self, uow: UnitOfWork, rep: Rep) -> list[dict[str, Any]]:
        stmt = (
            select(Lead, Contact)
            .join(Contact, Contact.id == Lead.contact_id)
            .where(
                Lead.owner_rep_id == rep.id,
                Lead.status.not_in([LeadStatus.WON.value, LeadStatus.LOST.value]),
            )
            .order_by(Lead.score.desc(), Lead.id)
            .limit(LIST_LIMIT)
        )
        rows = (await uow.session.execute(stmt)).all()
        names = await customer_names(uow, [contact for _, contact in rows])
        lines = [
            f"• *{escape_text(names[contact.id])}* — {escape_text(lead_summary(lead))}"
            for lead, contact in rows
        ]
        return ephemeral("Your open leads", lines, "No open leads.")

    async def followups(self, uow: UnitOfWork, rep: Rep) -> list[dict[str, Any]]:
        stmt = (
            select(FollowUp, Contact)
            .join(Lead, Lead.id == FollowUp.lead_id)
            .join(Contact, Contact.id == Lead.contact_id)
            .where(
                FollowUp.rep_id == rep.id,
                FollowUp.status.in_(ACTIVE_FOLLOW_UP),
                FollowUp.ends_at > self.clock.now(),
            )
            .order_by(FollowUp.starts_at)
            .limit(LIST_LIMIT)
        )
        mine = ZoneInfo(rep.timezone)
        rows = (await uow.session.execute(stmt)).all()
        names = await customer_names(uow, [contact for _, contact in rows])
        lines = []
        for follow_up, contact in rows:
            theirs = ZoneInfo(follow_up.customer_timezone)
            name = escape_text(names[contact.id])
            start_mine = follow_up.starts_at.astimezone(mine)
            start_theirs = follow_up.starts_at.astimezone(theirs)
            lines.append(
                f"• {start_mine:%a %d %b %H:%M} your time — *{name}* "
                f"({start_theirs:%a %H:%M} {escape_text(follow_up.customer_timezone)} for them, "
                f"{follow_up.duration_minutes} min)"
            )
        return ephemeral("Your next follow-ups", lines, "No follow-ups booked.")

    async def handoffs(self, uow: UnitOfWork) -> list[dict[str, Any]]:
        now = self.clock.now()
        cards = await SlackCards(uow).live()
        found = await uow.session.execute(
            select(Conversation, Contact)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Conversation.id.in_([c.conversation_id for c in cards]))
        )
        of = {conversation.id: (conversation, contact) for conversation, contact in found}
        names = await customer_names(uow, [contact for _, contact in of.values()])
        reps = {r.id: r for r in await uow.reps.list()}
        lines = []
        for card in cards:
            conversation, contact = of[card.conversation_id or 0]
            name = escape_text(names[contact.id])
            waited = int((now - card.created_at).total_seconds() // 60)
            owner = reps.get(card.claimed_by_rep_id) if card.claimed_by_rep_id else None
            who = f"claimed by {escape_text(owner.name)}" if owner else "*unclaimed*"
            channel = CHANNELS.get(conversation.channel, conversation.channel)
            lines.append(f"• #{card.id} *{name}* ({channel}) — {who}, {waited} min ago")
        return ephemeral("Open handoffs", lines, "No open handoffs.")

    async def report(self, uow: UnitOfWork) -> list[dict[str, Any]]:
        now = self.clock.now()
        lines = []
        for days in (7, 30):
            scores, sent = await load_survey_rows(uow.session, since=now - timedelta(days=days))
            s = summarize(scores, sent)
            csat = f"{s.csat.average:.2f}/5 ({s.csat.responses})" if s.csat.responses else "—"
            nps = f"{s.nps.score:+.0f} ({s.nps.responses})" if s.nps.score is not None else "—"
            rate = f"{s.response_rate:.0f}%" if s.response_rate is not None else "—"
            lines.append(
                f"*Last {days} days* — CSAT {csat} · NPS {nps} · {s.sent} sent, {rate} answered"
            )
        by_status = await uow.session.execute(
            select(Lead.status, func.count(Lead.id)).group_by(Lead.status).order_by(Lead.status)
        )
        by_channel = await uow.session.execute(
            select(Lead.source_channel, func.count(Lead.id))
            .group_by(Lead.source_channel)
            .order_by(Lead.source_channel)
        )
        statuses = ", ".join(f"{s}: {n}" for s, n in by_status.all()) or "none"
        channels = ", ".join(f"{CHANNELS.get(c, c)}: {n}" for c, n in by_channel.all()) or "none"
        lines.append(f"*Leads by status* — {escape_text(statuses)}")
        lines.append(f"*Leads by channel* — {escape_text(channels)}")
        return ephemeral("Sales report", lines)

    async def find(self, uow: UnitOfWork, query: str) -> list[dict[str, Any]]:
        contacts = await uow.contacts.search(query, limit=LIST_LIMIT)
        names = await customer_names(uow, contacts)
        lines = []
        for contact in contacts:
            name = escape_text(names[contact.id])
            details = " · ".join(
                escape_text(v) for v in (contact.email, contact.phone, contact.company) if v
            )
            lead = await uow.leads.open_for_contact(contact.id)
            summary = f" — lead {escape_text(lead_summary(lead))}" if lead else ""
            lines.append(f"• *{name}* {details}{summary}")
        return ephemeral(f"Customers matching “{query[:60]}”", lines, "No customers found.")

    async def _is_manager(self, uow: UnitOfWork, command: SlashCommand, rep: Rep | None) -> bool:
        managers = self.settings.channels.slack.managers_channel
        if managers in (command.channel_id, f"#{command.channel_name}"):
            return True
        if rep is None:
            return False
        stmt = select(User.id).where(
            User.rep_id == rep.id, User.role.in_(("manager", "admin")), User.active.is_(True)
        )
        return (await uow.session.scalar(stmt)) is not None
