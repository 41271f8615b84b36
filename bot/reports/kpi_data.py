"""Loading the rows behind the sales KPIs from the store, and ``sales_kpis`` itself.

Only what the arithmetic in ``bot.reports.kpis`` needs is fetched: leads with the first time
they entered each stage, conversations started, the first customer message and first reply
of each conversation, handoff requests with the reps' messages after them, handoff cards and
follow-ups. A ``rep_id`` limits everything to that rep's work (the dashboard's rep view).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reports import kpis as k
from bot.reports.stats import Spread, Window
from crm_store.models import (
    Conversation,
    DomainEvent,
    FollowUp,
    Lead,
    LeadTransition,
    Message,
    Role,
)
from crm_store.models.ops import SlackCard

_CHUNK = 500


@dataclass(frozen=True)
class Scope:
    """Whose work: everyone's (``rep_id=None``) or one rep's; optionally one channel."""

    rep_id: int | None = None
    channel: str | None = None

    def leads(self) -> ColumnElement[bool]:
        cond: ColumnElement[bool] = true()
        if self.rep_id is not None:
            cond = and_(cond, Lead.owner_rep_id == self.rep_id)
        if self.channel is not None:
            cond = and_(cond, Lead.source_channel == self.channel)
        return cond

    def conversations(self) -> ColumnElement[bool]:
        cond: ColumnElement[bool] = true()
        if self.rep_id is not None:
            owned = select(Lead.contact_id).where(Lead.owner_rep_id == self.rep_id)
            cond = or_(
                Conversation.assigned_rep_id == self.rep_id, Conversation.contact_id.in_(owned)
            )
        if self.channel is not None:
            cond = and_(cond, Conversation.channel == self.channel)
        return cond


async def load_leads(
    session: AsyncSession, where: ColumnElement[bool], *, with_history: bool = True
) -> list[k.LeadRow]:
    """Leads matching ``where`` with the first time they entered each status (unless
    ``with_history`` is false: then ``reached`` is empty and their transitions are not read)."""
    reached: dict[int, dict[str, datetime]] = {}
    lost_from: dict[int, str | None] = {}
    if with_history:
        reached, lost_from = await _history(session, select(Lead.id).where(where))
    leads = await session.execute(
        select(
            Lead.id,
            Lead.contact_id,
            Lead.status,
            Lead.source_channel,
            Lead.campaign,
            Lead.owner_rep_id,
            Lead.estimated_value,
            Lead.created_at,
        )
        .where(where)
        .order_by(Lead.id)
    )
    return [
        k.LeadRow(*row, reached=reached.get(row[0], {}), lost_from=lost_from.get(row[0]))
        for row in leads.all()
    ]


async def _history(
    session: AsyncSession, ids: Select[tuple[int]]
) -> tuple[dict[int, dict[str, datetime]], dict[int, str | None]]:
    """Per lead: when it first reached each status, and the status it was lost from."""
    transitions = await session.execute(
        select(
            LeadTransition.lead_id,
            LeadTransition.from_status,
            LeadTransition.to_status,
            LeadTransition.at,
        )
        .where(LeadTransition.lead_id.in_(ids))
        .order_by(LeadTransition.id)
    )
    reached: dict[int, dict[str, datetime]] = {}
    lost_from: dict[int, str | None] = {}
    for lead_id, src, dst, at in transitions.all():
        reached.setdefault(lead_id, {}).setdefault(dst, at)
        if dst == "lost":
            lost_from[lead_id] = src
    return reached, lost_from


async def leads_created(session: AsyncSession, window: Window, scope: Scope) -> list[k.LeadRow]:
    return await load_leads(session, and_(scope.leads(), *window.conditions(Lead.created_at)))


async def load_visitors(session: AsyncSession, window: Window, scope: Scope) -> list[k.VisitorRow]:
    stmt = select(Conversation.contact_id, Conversation.channel, Conversation.created_at).where(
        scope.conversations()
    )
    rows = await session.execute(window.apply(stmt, Conversation.created_at))
    return [k.VisitorRow(*row) for row in rows.all()]


async def first_replies(session: AsyncSession, window: Window, scope: Scope) -> list[float]:
    """Seconds from each conversation's first customer message to the first reply after it."""
    convs = window.apply(
        select(Conversation.id).where(scope.conversations()), Conversation.created_at
    )
    first_in = (
        select(Message.conversation_id.label("cid"), func.min(Message.seq).label("seq"))
        .where(Message.role == Role.CUSTOMER.value, Message.conversation_id.in_(convs))
        .group_by(Message.conversation_id)
        .subquery()
    )
    first_out = (
        select(Message.conversation_id.label("cid"), func.min(Message.seq).label("seq"))
        .join(first_in, first_in.c.cid == Message.conversation_id)
        .where(Message.role != Role.CUSTOMER.value, Message.seq > first_in.c.seq)
        .group_by(Message.conversation_id)
        .subquery()
    )
    stmt = (
        select(Message.conversation_id, Message.role, Message.created_at)
        .join(
            first_in,
            and_(first_in.c.cid == Message.conversation_id, first_in.c.seq == Message.seq),
            isouter=True,
        )
        .join(
            first_out,
            and_(first_out.c.cid == Message.conversation_id, first_out.c.seq == Message.seq),
            isouter=True,
        )
        .where(or_(first_in.c.cid.is_not(None), first_out.c.cid.is_not(None)))
        .order_by(Message.conversation_id, Message.seq)
    )
    return k.first_reply_seconds((await session.execute(stmt)).all())


async def human_responses(
    session: AsyncSession, window: Window, scope: Scope
) -> tuple[list[float], int]:
    events = window.apply(
        select(DomainEvent.data, DomainEvent.at).where(DomainEvent.type == "handoff.requested"),
        DomainEvent.at,
    )
    requests = [
        (int(data["conversation_id"]), at)
        for data, at in (await session.execute(events)).all()
        if data.get("conversation_id") is not None
    ]
    if scope.rep_id is not None or scope.channel is not None:
        allowed = set(await _ids(session, [c for c, _ in requests], scope))
        requests = [(c, at) for c, at in requests if c in allowed]
    agent: list[tuple[int, datetime]] = []
    wanted = sorted({c for c, _ in requests})
    for i in range(0, len(wanted), _CHUNK):
        rows = await session.execute(
            select(Message.conversation_id, Message.created_at).where(
                Message.role == Role.AGENT.value,
                Message.conversation_id.in_(wanted[i : i + _CHUNK]),
            )
        )
        agent.extend(rows.all())
    return k.human_response_minutes(requests, agent)


async def complaints(session: AsyncSession, window: Window, scope: Scope) -> int:
    """``complaint`` events in the window, counted per conversation in scope."""
    events = window.apply(
        select(DomainEvent.data).where(DomainEvent.type == "complaint"), DomainEvent.at
    )
    ids = [
        int(data["conversation_id"])
        for data in (await session.scalars(events)).all()
        if data.get("conversation_id") is not None
    ]
    if scope.rep_id is not None or scope.channel is not None:
        allowed = set(await _ids(session, ids, scope))
        ids = [c for c in ids if c in allowed]
    return len(ids)


async def _ids(session: AsyncSession, ids: Sequence[int], scope: Scope) -> list[int]:
    found: list[int] = []
    unique = sorted(set(ids))
    for i in range(0, len(unique), _CHUNK):
        stmt = select(Conversation.id).where(
            Conversation.id.in_(unique[i : i + _CHUNK]), scope.conversations()
        )
        found.extend((await session.scalars(stmt)).all())
    return found


async def claims(session: AsyncSession, window: Window, scope: Scope) -> tuple[list[float], int]:
    stmt = select(SlackCard.created_at, SlackCard.claimed_at).where(SlackCard.kind == "handoff")
    if scope.rep_id is not None:
        stmt = stmt.where(SlackCard.claimed_by_rep_id == scope.rep_id)
    if scope.channel is not None:
        stmt = stmt.join(Conversation, Conversation.id == SlackCard.conversation_id).where(
            Conversation.channel == scope.channel
        )
    rows = await session.execute(window.apply(stmt, SlackCard.created_at))
    return k.claim_minutes(rows.all())


async def load_follow_ups(
    session: AsyncSession, window: Window, scope: Scope
) -> list[k.FollowUpRow]:
    stmt = select(FollowUp.id, FollowUp.rep_id, FollowUp.starts_at, FollowUp.status)
    if scope.rep_id is not None:
        stmt = stmt.where(FollowUp.rep_id == scope.rep_id)
    if scope.channel is not None:
        stmt = stmt.join(Lead, Lead.id == FollowUp.lead_id).where(
            Lead.source_channel == scope.channel
        )
    rows = await session.execute(window.apply(stmt, FollowUp.starts_at))
    return [k.FollowUpRow(*row) for row in rows.all()]


async def sales_kpis(
    session: AsyncSession,
    window: Window,
    now: datetime,
    scope: Scope | None = None,
    *,
    cohort: list[k.LeadRow] | None = None,
    visitors: list[k.VisitorRow] | None = None,
) -> k.SalesKpis:
    """Every KPI of the Sales KPIs page for ``window`` (pipeline: as of now).

    ``cohort`` and ``visitors``: ``leads_created`` and ``load_visitors`` for the same window
    and scope, when the caller has them already (``sales_report`` needs them too).
    """
    scope = scope or Scope()
    if cohort is None:
        cohort = await leads_created(session, window, scope)
    if visitors is None:
        visitors = await load_visitors(session, window, scope)
    won_where = and_(
        scope.leads(),
        Lead.id.in_(
            window.apply(
                select(LeadTransition.lead_id).where(LeadTransition.to_status == "won"),
                LeadTransition.at,
            )
        ),
    )
    won = await load_leads(session, won_where)
    # The pipeline needs only their stage and value: no history.
    open_leads = await load_leads(
        session, and_(scope.leads(), Lead.status.in_(k.OPEN_STATUSES)), with_history=False
    )
    human, unanswered = await human_responses(session, window, scope)
    claimed, unclaimed = await claims(session, window, scope)
    return k.SalesKpis(
        funnel=k.funnel(cohort, visitors),
        bot_first_reply_seconds=Spread.of(await first_replies(session, window, scope)),
        human_first_response_minutes=Spread.of(human),
        handoffs_unanswered=unanswered,
        claim_minutes=Spread.of(claimed),
        cards_unclaimed=unclaimed,
        follow_ups=k.follow_up_stats(await load_follow_ups(session, window, scope), now),
        sales_cycle_days=k.sales_cycle_days(won, window),
        pipeline=k.pipeline(open_leads, won),
        complaints=await complaints(session, window, scope),
    )
