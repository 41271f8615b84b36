"""Sales KPIs, computed once (pure functions over plain rows) for the dashboard, CLI and API.

Definitions, as a sales manager reads them:
- Funnel (a cohort: the leads created in the period): visitor -> lead -> qualified ->
  meeting booked -> won. A lead counts at a stage when it reached that stage or a later one
  (a lead booked straight from "new" was qualified too), so the funnel never widens. Visitors
  are the distinct contacts who started a conversation in the period. Each step's conversion
  is relative to the step before; "lost" counts leads lost from each stage.
- First response: two numbers. The bot's first reply (first customer message -> first
  reply of the bot or a rep, in seconds) and the first human response (a handoff request ->
  the first message a rep sent afterwards, in minutes) — the one customers feel.
- Handoff claim time: a handoff card posted to Slack -> claimed by a rep, in minutes.
- Follow-ups (scheduled in the period): held vs no-shows, cancelled, and still to come or
  awaiting an outcome; show rate = held / (held + no-shows).
- Sales cycle: the leads won in the period, from lead creation to won, in days.
- Pipeline value: the estimated value of the leads open now, in total and per stage.
Medians and p90 use the nearest-rank rule (see ``bot.reports.stats``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.reports.stats import Spread, Window, pct, period_key

STAGES = ("lead", "qualified", "meeting_booked", "won")
_RANK = {"new": 0, "qualified": 1, "meeting_booked": 2, "won": 3}
OPEN_STATUSES = ("new", "qualified", "meeting_booked")
NONE = "none"
KpiBy = Literal["channel", "rep", "campaign"]


@dataclass(frozen=True)
class LeadRow:
    id: int
    contact_id: int
    status: str
    source_channel: str
    campaign: str | None
    owner_rep_id: int | None
    estimated_value: float | None
    created_at: datetime
    # The first time the lead entered each status (from lead_transitions).
    reached: dict[str, datetime] = field(default_factory=dict)
    lost_from: str | None = None

    @property
    def stage_rank(self) -> int:
        ranks = [_RANK[s] for s in self.reached if s in _RANK]
        return max(ranks, default=0)

    def key(self, by: KpiBy) -> str:
        if by == "channel":
            return self.source_channel
        if by == "rep":
            return NONE if self.owner_rep_id is None else str(self.owner_rep_id)
        return self.campaign or NONE


@dataclass(frozen=True)
class VisitorRow:
    contact_id: int
    channel: str
    at: datetime


@dataclass(frozen=True)
class FollowUpRow:
    id: int
    rep_id: int
    starts_at: datetime
    status: str


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    count: int
    conversion_pct: float | None  # from the previous step
    lost: int  # leads lost while at this stage


@dataclass(frozen=True)
class Funnel:
    visitors: int
    steps: tuple[FunnelStep, ...]
    visitor_to_lead_pct: float | None
    lead_to_won_pct: float | None

    def count(self, stage: str) -> int:
        return next(s.count for s in self.steps if s.stage == stage)


@dataclass(frozen=True)
class FollowUpStats:
    scheduled: int
    held: int
    no_show: int
    cancelled: int
    upcoming: int
    awaiting_outcome: int
    show_rate_pct: float | None


@dataclass(frozen=True)
class Pipeline:
    open_leads: int
    value: float
    by_stage: dict[str, float]
    won_leads: int  # leads won in the period
    won_value: float  # their estimated value


@dataclass(frozen=True)
class SalesKpis:
    funnel: Funnel
    bot_first_reply_seconds: Spread
    human_first_response_minutes: Spread
    handoffs_unanswered: int
    claim_minutes: Spread
    cards_unclaimed: int
    follow_ups: FollowUpStats
    sales_cycle_days: Spread
    pipeline: Pipeline
    # Complaints the bot recorded in the window (``complaint`` events), in scope.
    complaints: int = 0


def funnel(leads: Sequence[LeadRow], visitors: Iterable[VisitorRow]) -> Funnel:
    """The cohort funnel of ``leads`` (already limited to the period) and the visitors."""
    visitor_count = len({v.contact_id for v in visitors})
    counts = [sum(1 for lead in leads if lead.stage_rank >= rank) for rank in range(4)]
    lost = Counter(lead.lost_from for lead in leads if lead.lost_from)
    lost_at = {"lead": lost["new"], "qualified": lost["qualified"]}
    lost_at["meeting_booked"] = lost["meeting_booked"]
    steps = tuple(
        FunnelStep(
            stage,
            counts[i],
            pct(counts[i], counts[i - 1]) if i else pct(counts[0], visitor_count),
            lost_at.get(stage, 0),
        )
        for i, stage in enumerate(STAGES)
    )
    return Funnel(visitor_count, steps, pct(counts[0], visitor_count), pct(counts[3], counts[0]))


def funnel_by(
    leads: Sequence[LeadRow], visitors: Sequence[VisitorRow], by: KpiBy
) -> dict[str, Funnel]:
    """One funnel per channel, owner rep or campaign (visitors only split by channel)."""
    groups: dict[str, list[LeadRow]] = defaultdict(list)
    for lead in leads:
        groups[lead.key(by)].append(lead)
    result = {}
    for key in sorted(groups):
        seen = [v for v in visitors if by == "channel" and v.channel == key]
        result[key] = funnel(groups[key], seen)
    return result


def leads_per_period(
    leads: Iterable[LeadRow], period: str, by: KpiBy, tz: str = "UTC"
) -> dict[str, dict[str, int]]:
    """{period: {channel|rep|campaign: new leads}}, periods and keys sorted."""
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for lead in leads:
        table[period_key(lead.created_at, period, tz)][lead.key(by)] += 1
    return {p: dict(sorted(table[p].items())) for p in sorted(table)}


def follow_up_stats(rows: Iterable[FollowUpRow], now: datetime) -> FollowUpStats:
    rows = list(rows)
    status = Counter(r.status for r in rows)
    active = [r for r in rows if r.status in ("booked", "rescheduled")]
    upcoming = sum(1 for r in active if r.starts_at >= now)
    held, no_show = status["done"], status["no_show"]
    return FollowUpStats(
        scheduled=len(rows),
        held=held,
        no_show=no_show,
        cancelled=status["cancelled"],
        upcoming=upcoming,
        awaiting_outcome=len(active) - upcoming,
        show_rate_pct=pct(held, held + no_show),
    )


def sales_cycle_days(leads: Iterable[LeadRow], window: Window) -> Spread:
    days = [
        (lead.reached["won"] - lead.created_at).total_seconds() / 86400
        for lead in leads
        if "won" in lead.reached and window.contains(lead.reached["won"])
    ]
    return Spread.of(days)


def pipeline(open_leads: Iterable[LeadRow], won: Iterable[LeadRow]) -> Pipeline:
    by_stage = {s: 0.0 for s in OPEN_STATUSES}
    count = 0
    for lead in open_leads:
        if lead.status in by_stage:
            count += 1
            by_stage[lead.status] += lead.estimated_value or 0.0
    by_stage = {k: round(v, 2) for k, v in by_stage.items()}
    won = list(won)
    won_value = round(sum(lead.estimated_value or 0.0 for lead in won), 2)
    return Pipeline(count, round(sum(by_stage.values()), 2), by_stage, len(won), won_value)


def first_reply_seconds(messages: Iterable[tuple[int, str, datetime]]) -> list[float]:
    """Per conversation: first customer message -> first later reply (bot or rep), seconds.

    ``messages`` are (conversation_id, role, created_at) in conversation order.
    """
    first_in: dict[int, datetime] = {}
    replied: dict[int, float] = {}
    for conversation_id, role, at in messages:
        if role == "customer":
            first_in.setdefault(conversation_id, at)
        elif conversation_id in first_in and conversation_id not in replied:
            replied[conversation_id] = (at - first_in[conversation_id]).total_seconds()
    return list(replied.values())


def human_response_minutes(
    requests: Iterable[tuple[int, datetime]], agent_messages: Iterable[tuple[int, datetime]]
) -> tuple[list[float], int]:
    """Per handoff request (conversation, at): minutes to the next rep message; and how many
    requests got no rep message at all."""
    by_conversation: dict[int, list[datetime]] = defaultdict(list)
    for conversation_id, at in agent_messages:
        by_conversation[conversation_id].append(at)
    minutes, unanswered = [], 0
    for conversation_id, requested in requests:
        later = [at for at in by_conversation.get(conversation_id, []) if at >= requested]
        if later:
            minutes.append((min(later) - requested).total_seconds() / 60)
        else:
            unanswered += 1
    return minutes, unanswered


def claim_minutes(cards: Iterable[tuple[datetime, datetime | None]]) -> tuple[list[float], int]:
    """Handoff cards (created_at, claimed_at): claim minutes, and how many are unclaimed."""
    minutes, unclaimed = [], 0
    for created, claimed in cards:
        if claimed is None:
            unclaimed += 1
        else:
            minutes.append((claimed - created).total_seconds() / 60)
    return minutes, unclaimed
