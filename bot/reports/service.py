"""The reports as the views ask for them: one call per page, command and endpoint.

The dashboard, ``salesbot report`` and the API's ``/kpis`` endpoints call these and only
format the results, so the three can never disagree about a number.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reports import kpis as k
from bot.reports.kpi_data import Scope, leads_created, load_visitors, sales_kpis
from bot.reports.stats import Window
from bot.reports.surveys import GroupBy, SurveySummary, load_survey_rows, summarize, summarize_by
from bot.reports.unanswered import QuestionGroup, faq_background, group_questions, load_questions
from crm_store.models import Rep

SurveySplit = Literal["channel", "rep", "language", "trigger"]
FunnelSplit = Literal["channel", "rep", "campaign"]


@dataclass(frozen=True)
class SurveyReport:
    window: Window
    timezone: str
    by: str | None
    overall: SurveySummary
    groups: dict[str, SurveySummary]
    weekly: dict[str, SurveySummary]
    splits: dict[str, dict[str, SurveySummary]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "since": _iso(self.window.since),
            "until": _iso(self.window.until),
            "timezone": self.timezone,
            "group_by": self.by,
            "overall": asdict(self.overall),
            "groups": [{"key": key, "summary": asdict(s)} for key, s in self.groups.items()],
            "weekly": [{"key": key, "summary": asdict(s)} for key, s in self.weekly.items()],
        }


@dataclass(frozen=True)
class SalesReport:
    window: Window
    timezone: str
    by: str | None
    kpis: k.SalesKpis
    funnels: dict[str, k.Funnel]
    leads_by_channel: dict[str, dict[str, int]]  # {week: {channel: leads}}
    leads_by_campaign: dict[str, dict[str, int]]
    leads_by_day: dict[str, dict[str, int]]  # {day: {channel: leads}}

    def as_json(self) -> dict[str, Any]:
        return {
            "since": _iso(self.window.since),
            "until": _iso(self.window.until),
            "timezone": self.timezone,
            "group_by": self.by,
            "kpis": asdict(self.kpis),
            "funnels": [{"key": key, "funnel": asdict(f)} for key, f in self.funnels.items()],
            "leads_per_week_by_channel": self.leads_by_channel,
            "leads_per_week_by_campaign": self.leads_by_campaign,
            "leads_per_day_by_channel": self.leads_by_day,
        }


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


async def survey_report(
    session: AsyncSession,
    window: Window,
    *,
    timezone: str = "UTC",
    by: SurveySplit | None = None,
    channel: str | None = None,
    rep_id: int | None = None,
    language: str | None = None,
    trigger: str | None = None,
    splits: Sequence[SurveySplit] = (),
) -> SurveyReport:
    """The summary, per ``by`` group, per week, and per each of ``splits``."""
    scores, sent = await load_survey_rows(
        session,
        since=window.since,
        until=window.until,
        channel=channel,
        rep_id=rep_id,
        language=language,
        trigger=trigger,
    )
    groups = summarize_by(scores, sent, by, timezone) if by else {}
    weekly_by: GroupBy = "week"
    weekly = summarize_by(scores, sent, weekly_by, timezone)
    split = {name: summarize_by(scores, sent, name, timezone) for name in splits}
    return SurveyReport(window, timezone, by, summarize(scores, sent), groups, weekly, split)


async def sales_report(
    session: AsyncSession,
    window: Window,
    now: datetime,
    *,
    timezone: str = "UTC",
    by: FunnelSplit | None = None,
    scope: Scope | None = None,
) -> SalesReport:
    scope = scope or Scope()
    cohort = await leads_created(session, window, scope)
    visitors = await load_visitors(session, window, scope)
    kpis = await sales_kpis(session, window, now, scope, cohort=cohort, visitors=visitors)
    funnels = k.funnel_by(cohort, visitors, by) if by else {}
    return SalesReport(
        window,
        timezone,
        by,
        kpis,
        funnels,
        k.leads_per_period(cohort, "week", "channel", timezone),
        k.leads_per_period(cohort, "week", "campaign", timezone),
        k.leads_per_period(cohort, "day", "channel", timezone),
    )


async def unanswered_report(
    session: AsyncSession, window: Window, content: Any = None, *, rep_id: int | None = None
) -> list[QuestionGroup]:
    questions = await load_questions(session, window, rep_id=rep_id)
    background = faq_background(content) if content is not None else None
    # CPU work (about a second for 2,000 varied questions): off the event loop, which also
    # serves the chat.
    return await asyncio.to_thread(group_questions, questions, background=background)


async def rep_names(session: AsyncSession) -> dict[str, str]:
    """Rep id (as the group keys spell it) -> name, for labels."""
    rows = await session.execute(select(Rep.id, Rep.name))
    return {str(rep_id): name for rep_id, name in rows.all()}
