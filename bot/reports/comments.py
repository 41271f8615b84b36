"""Answered surveys one row each (CSAT, NPS, comment together), and the comments list.

A comment is most useful next to the scores of the same survey: "slow answer" from an NPS 2
customer needs a call back, the same words from a 9 do not. So each row carries the
request's CSAT, NPS and comment, and lists are ordered detractors, passives, promoters, then
answers without an NPS, newest first within each group. Rows are filtered by when the
survey was (last) answered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reports.surveys import filter_requests, join_context, request_language
from crm_store.models import SurveyKind, SurveyRequest, SurveyResponse

Category = Literal["detractor", "passive", "promoter", "none"]
_ORDER = {"detractor": 0, "passive": 1, "promoter": 2, "none": 3}


def nps_category(score: int | None) -> Category:
    if score is None:
        return "none"
    if score >= 9:
        return "promoter"
    return "passive" if score >= 7 else "detractor"


@dataclass(frozen=True)
class AnswerRow:
    request_id: int
    conversation_id: int | None
    contact_id: int
    channel: str
    rep_id: int | None
    language: str | None
    trigger: str
    csat: int | None
    nps: int | None
    comment: str | None
    at: datetime

    @property
    def category(self) -> Category:
        return nps_category(self.nps)


def order_answers(rows: Iterable[AnswerRow]) -> list[AnswerRow]:
    """Detractors first (lowest NPS first), then passives, promoters, unscored; newest first."""
    by_time = sorted(rows, key=lambda r: (r.at, r.request_id), reverse=True)
    return sorted(by_time, key=lambda r: (_ORDER[r.category], r.nps if r.nps is not None else 11))


def _answer(kind: SurveyKind, column: Any) -> Any:
    return (
        select(column)
        .where(SurveyResponse.request_id == SurveyRequest.id, SurveyResponse.kind == kind.value)
        .scalar_subquery()
    )


async def load_answers(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    channel: str | None = None,
    rep_id: int | None = None,
    language: str | None = None,
    trigger: str | None = None,
    category: Category | None = None,
    search: str | None = None,
    comments_only: bool = False,
    limit: int = 5000,
) -> list[AnswerRow]:
    """Surveys answered in [since, until), filtered, detractors first."""
    comment = _answer(SurveyKind.COMMENT, SurveyResponse.comment)
    stmt = join_context(
        select(
            SurveyRequest.id,
            SurveyRequest.conversation_id,
            SurveyRequest.contact_id,
            SurveyRequest.channel,
            SurveyRequest.rep_id,
            request_language(),
            SurveyRequest.trigger,
            _answer(SurveyKind.CSAT, SurveyResponse.score),
            _answer(SurveyKind.NPS, SurveyResponse.score),
            comment,
            SurveyRequest.answered_at,
        ).where(SurveyRequest.answered_at.is_not(None))
    )
    if since is not None:
        stmt = stmt.where(SurveyRequest.answered_at >= since)
    if until is not None:
        stmt = stmt.where(SurveyRequest.answered_at < until)
    if comments_only:
        stmt = stmt.where(comment.is_not(None), comment != "")
    if search:
        stmt = stmt.where(func.lower(comment).contains(search.strip().lower(), autoescape=True))
    stmt = filter_requests(stmt, channel, rep_id, language, trigger)
    rows = [AnswerRow(*row) for row in (await session.execute(stmt)).all()]
    if category is not None:
        rows = [r for r in rows if r.category == category]
    return order_answers(rows)[:limit]
