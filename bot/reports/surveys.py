"""Survey results: CSAT, NPS and response counts, computed once for every view.

The arithmetic is pure (``summarize``, ``summarize_by``) over plain rows; ``load_survey_rows``
fetches those rows from the store with the usual filters. The API, the dashboard and the
Slack report all call these, so the three never disagree.

Definitions (the usual ones):
- CSAT (1-5): the average score, the distribution, and "satisfied" = share of 4s and 5s.
- NPS (0-10): promoters 9-10, passives 7-8, detractors 0-6; score = %promoters - %detractors.
- Counts: surveys sent in the period, how many of those got at least one answer, and the
  response rate. Scores are filtered by when they were given; sent counts by when sent.
- Language: the conversation's language, else the contact's ("unknown" when neither is
  known). Trigger: what the survey followed ("handoff", "followup").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reports.stats import period_key
from crm_store.models import Contact, Conversation, SurveyKind, SurveyRequest, SurveyResponse

GroupBy = Literal["channel", "rep", "language", "trigger", "day", "week", "month"]
NO_REP = "none"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class ScoreRow:
    kind: str
    score: int | None
    channel: str
    rep_id: int | None
    at: datetime
    language: str | None = None
    trigger: str | None = None


@dataclass(frozen=True)
class SentRow:
    channel: str
    rep_id: int | None
    sent_at: datetime
    answered: bool
    language: str | None = None
    trigger: str | None = None


@dataclass(frozen=True)
class CsatSummary:
    responses: int
    average: float | None
    satisfied_pct: float | None
    distribution: dict[str, int]


@dataclass(frozen=True)
class NpsSummary:
    responses: int
    promoters: int
    passives: int
    detractors: int
    score: float | None
    distribution: dict[str, int]


@dataclass(frozen=True)
class SurveySummary:
    sent: int
    answered: int
    response_rate: float | None
    comments: int
    csat: CsatSummary
    nps: NpsSummary


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def summarize_csat(scores: Sequence[int]) -> CsatSummary:
    counts = Counter(scores)
    return CsatSummary(
        responses=len(scores),
        average=round(sum(scores) / len(scores), 2) if scores else None,
        satisfied_pct=_pct(counts[4] + counts[5], len(scores)),
        distribution={str(s): counts[s] for s in range(1, 6)},
    )


def summarize_nps(scores: Sequence[int]) -> NpsSummary:
    counts = Counter(scores)
    promoters = counts[9] + counts[10]
    passives = counts[7] + counts[8]
    detractors = len(scores) - promoters - passives
    score = None
    if scores:
        score = round(100 * (promoters - detractors) / len(scores), 1)
    return NpsSummary(
        responses=len(scores),
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        score=score,
        distribution={str(s): counts[s] for s in range(0, 11)},
    )


def summarize(scores: Iterable[ScoreRow], sent: Iterable[SentRow]) -> SurveySummary:
    scores, sent = list(scores), list(sent)
    answered = sum(1 for s in sent if s.answered)
    return SurveySummary(
        sent=len(sent),
        answered=answered,
        response_rate=_pct(answered, len(sent)),
        comments=sum(1 for s in scores if s.kind == SurveyKind.COMMENT),
        csat=summarize_csat(
            [s.score for s in scores if s.kind == SurveyKind.CSAT and s.score is not None]
        ),
        nps=summarize_nps(
            [s.score for s in scores if s.kind == SurveyKind.NPS and s.score is not None]
        ),
    )


def group_key(by: GroupBy, tz: str = "UTC") -> Callable[[ScoreRow | SentRow, datetime], str]:
    """A function (row, when) -> the group the row belongs to."""

    def key(row: ScoreRow | SentRow, when: datetime) -> str:
        if by == "channel":
            return row.channel
        if by == "rep":
            return NO_REP if row.rep_id is None else str(row.rep_id)
        if by == "language":
            return row.language or UNKNOWN
        if by == "trigger":
            return row.trigger or UNKNOWN
        return period_key(when, by, tz)

    return key


def summarize_by(
    scores: Iterable[ScoreRow], sent: Iterable[SentRow], by: GroupBy, tz: str = "UTC"
) -> dict[str, SurveySummary]:
    """One summary per channel, rep (``"none"`` for no rep), language, trigger or period."""
    key = group_key(by, tz)
    score_groups: dict[str, list[ScoreRow]] = {}
    sent_groups: dict[str, list[SentRow]] = {}
    for s in scores:
        score_groups.setdefault(key(s, s.at), []).append(s)
    for r in sent:
        sent_groups.setdefault(key(r, r.sent_at), []).append(r)
    keys = sorted(set(score_groups) | set(sent_groups))
    return {k: summarize(score_groups.get(k, ()), sent_groups.get(k, ())) for k in keys}


def request_language() -> Any:
    return func.coalesce(Conversation.language, Contact.language)


def join_context(stmt: Select[Any]) -> Select[Any]:
    return stmt.outerjoin(Conversation, Conversation.id == SurveyRequest.conversation_id).outerjoin(
        Contact, Contact.id == SurveyRequest.contact_id
    )


def filter_requests(
    stmt: Select[Any],
    channel: str | None,
    rep_id: int | None,
    language: str | None,
    trigger: str | None,
) -> Select[Any]:
    if channel is not None:
        stmt = stmt.where(SurveyRequest.channel == channel)
    if rep_id is not None:
        stmt = stmt.where(SurveyRequest.rep_id == rep_id)
    if language is not None:
        stmt = stmt.where(request_language() == language)
    if trigger is not None:
        stmt = stmt.where(SurveyRequest.trigger == trigger)
    return stmt


async def load_survey_rows(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    channel: str | None = None,
    rep_id: int | None = None,
    language: str | None = None,
    trigger: str | None = None,
) -> tuple[list[ScoreRow], list[SentRow]]:
    """Scores given in [since, until) and surveys sent in [since, until), filtered."""
    lang = request_language()
    scores = join_context(
        select(
            SurveyResponse.kind,
            SurveyResponse.score,
            SurveyRequest.channel,
            SurveyRequest.rep_id,
            SurveyResponse.created_at,
            lang,
            SurveyRequest.trigger,
        ).join(SurveyRequest, SurveyRequest.id == SurveyResponse.request_id)
    )
    sent = join_context(
        select(
            SurveyRequest.channel,
            SurveyRequest.rep_id,
            SurveyRequest.sent_at,
            SurveyRequest.answered_at,
            lang,
            SurveyRequest.trigger,
        ).where(SurveyRequest.sent_at.is_not(None))
    )
    if since is not None:
        scores = scores.where(SurveyResponse.created_at >= since)
        sent = sent.where(SurveyRequest.sent_at >= since)
    if until is not None:
        scores = scores.where(SurveyResponse.created_at < until)
        sent = sent.where(SurveyRequest.sent_at < until)
    scores = filter_requests(scores, channel, rep_id, language, trigger)
    sent = filter_requests(sent, channel, rep_id, language, trigger)
    score_rows = [ScoreRow(*row) for row in (await session.execute(scores)).all()]
    sent_rows = [
        SentRow(c, r, s, answered is not None, lg, tr)
        for c, r, s, answered, lg, tr in (await session.execute(sent)).all()
    ]
    return score_rows, sent_rows
