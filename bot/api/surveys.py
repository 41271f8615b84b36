"""``/surveys``: individual answers, and the CSAT/NPS summary by period, channel and rep."""

# No `from __future__ import annotations`: FastAPI must see the local `Caller` aliases.
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from bot.api.auth import Principal
from bot.api.params import Channel, Limit, Offset, RepId, Since, TimeRange, Until, paginate
from bot.api.schemas import (
    REP_FORBIDDEN,
    Page,
    SummaryGroupOut,
    SummaryOut,
    SurveyResponseOut,
    SurveySummaryOut,
)
from bot.reports.surveys import load_survey_rows, summarize, summarize_by
from crm_store.models import SurveyKind, SurveyRequest, SurveyResponse
from crm_store.uow import UnitOfWork


def surveys_router(runtime: Any, principal: Any) -> APIRouter:
    router = APIRouter(prefix="/surveys", tags=["surveys"])
    Caller = Annotated[Principal, Depends(principal)]

    @router.get(
        "/responses",
        response_model=Page[SurveyResponseOut],
        summary="List answers",
        responses=REP_FORBIDDEN,
    )
    async def list_responses(
        who: Caller,
        kind: SurveyKind | None = None,
        channel: Channel = None,
        rep_id: RepId = None,
        since: Since = None,
        until: Until = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[SurveyResponseOut]:
        """Survey answers (CSAT, NPS, comments), newest first, filtered by when given."""
        window = TimeRange.of(since, until)
        rep = who.rep_filter(rep_id)
        stmt = (
            select(SurveyResponse)
            .join(SurveyRequest, SurveyRequest.id == SurveyResponse.request_id)
            .order_by(SurveyResponse.id.desc())
        )
        if kind is not None:
            stmt = stmt.where(SurveyResponse.kind == kind.value)
        if channel is not None:
            stmt = stmt.where(SurveyRequest.channel == channel)
        if rep is not None:
            stmt = stmt.where(SurveyRequest.rep_id == rep)
        stmt = window.apply(stmt, SurveyResponse.created_at)
        async with UnitOfWork(runtime.db, runtime.clock) as uow:
            rows, total, next_offset = await paginate(uow.session, stmt, limit, offset)
            requests = {
                r.id: r
                for r in await uow.session.scalars(
                    select(SurveyRequest).where(SurveyRequest.id.in_([x.request_id for x in rows]))
                )
            }
            await uow.audit.log(
                who.actor,
                "api.surveys.responses",
                target_type="survey_response",
                detail={"returned": len(rows), "total": total, "offset": offset},
            )
        items = [_response(r, requests[r.request_id]) for r in rows]
        return Page(items=items, total=total, limit=limit, offset=offset, next_offset=next_offset)

    @router.get(
        "/summary",
        response_model=SurveySummaryOut,
        summary="CSAT and NPS summary",
        responses=REP_FORBIDDEN,
    )
    async def summary(
        who: Caller,
        since: Since = None,
        until: Until = None,
        channel: Channel = None,
        rep_id: RepId = None,
        group_by: Annotated[
            Literal["channel", "rep", "day", "week", "month"] | None,
            Query(description="Also summarise per channel, rep or period (business time zone)."),
        ] = None,
    ) -> SurveySummaryOut:
        """CSAT average and distribution, NPS with promoters/passives/detractors, counts."""
        window = TimeRange.of(since, until)
        rep = who.rep_filter(rep_id)
        tz = runtime.settings.business.timezone
        async with UnitOfWork(runtime.db, runtime.clock) as uow:
            scores, sent = await load_survey_rows(
                uow.session, since=window.since, until=window.until, channel=channel, rep_id=rep
            )
        groups = summarize_by(scores, sent, group_by, tz) if group_by else {}
        return SurveySummaryOut(
            since=window.since,
            until=window.until,
            channel=channel,
            rep_id=rep,
            group_by=group_by,
            timezone=tz,
            overall=SummaryOut.model_validate(summarize(scores, sent)),
            groups=[
                SummaryGroupOut(key=k, summary=SummaryOut.model_validate(v))
                for k, v in groups.items()
            ],
        )

    return router


def _response(answer: SurveyResponse, request: SurveyRequest) -> SurveyResponseOut:
    return SurveyResponseOut(
        id=answer.id,
        request_id=answer.request_id,
        kind=SurveyKind(answer.kind),
        score=answer.score,
        comment=answer.comment,
        created_at=answer.created_at,
        channel=request.channel,
        rep_id=request.rep_id,
        contact_id=request.contact_id,
        conversation_id=request.conversation_id,
        trigger=request.trigger,
    )
