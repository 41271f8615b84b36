"""``/kpis``: the sales KPIs and the unanswered-question groups the dashboard shows.

The same computation as the dashboard's Sales KPIs page and ``salesbot report funnel``
(``bot.reports.service``); definitions in ``bot.reports.kpis``. A rep token sees its own work.
"""

# No `from __future__ import annotations`: FastAPI must see the local `Caller` aliases.
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from bot.api.auth import Principal
from bot.api.params import Channel, RepId, Since, TimeRange, Until
from bot.api.schemas import REP_FORBIDDEN
from bot.reports.kpi_data import Scope
from bot.reports.service import sales_report, unanswered_report
from crm_store.uow import UnitOfWork


class SpreadOut(BaseModel):
    count: int
    median: float | None
    p90: float | None = Field(description="Nearest-rank 90th percentile.")
    mean: float | None


class FunnelStepOut(BaseModel):
    stage: Literal["lead", "qualified", "meeting_booked", "won"]
    count: int = Field(description="Leads of the cohort that reached this stage or a later one.")
    conversion_pct: float | None = Field(description="From the previous step, in percent.")
    lost: int = Field(description="Leads lost while at this stage.")


class FunnelOut(BaseModel):
    visitors: int = Field(description="Distinct contacts who started a conversation.")
    steps: list[FunnelStepOut]
    visitor_to_lead_pct: float | None
    lead_to_won_pct: float | None


class FollowUpsOut(BaseModel):
    scheduled: int
    held: int
    no_show: int
    cancelled: int
    upcoming: int
    awaiting_outcome: int
    show_rate_pct: float | None = Field(description="held / (held + no_show), in percent.")


class PipelineOut(BaseModel):
    open_leads: int
    value: float = Field(description="Estimated value of the open leads, now.")
    by_stage: dict[str, float]
    won_leads: int
    won_value: float


class KpisOut(BaseModel):
    funnel: FunnelOut
    bot_first_reply_seconds: SpreadOut
    human_first_response_minutes: SpreadOut
    handoffs_unanswered: int
    claim_minutes: SpreadOut
    cards_unclaimed: int
    follow_ups: FollowUpsOut
    sales_cycle_days: SpreadOut
    pipeline: PipelineOut
    complaints: int = Field(description="Complaints the bot recorded in the window.")


class FunnelGroupOut(BaseModel):
    key: str = Field(description="Channel, owner rep id ('none') or campaign ('none').")
    funnel: FunnelOut


class SalesKpisOut(BaseModel):
    since: datetime | None
    until: datetime | None
    timezone: str
    group_by: str | None
    kpis: KpisOut
    funnels: list[FunnelGroupOut]
    leads_per_week_by_channel: dict[str, dict[str, int]]
    leads_per_week_by_campaign: dict[str, dict[str, int]]
    leads_per_day_by_channel: dict[str, dict[str, int]]


class QuestionGroupOut(BaseModel):
    key: str
    language: str
    count: int
    text: str = Field(description="The most central wording of the group.")
    examples: list[str]
    best_guess: str | None
    first_at: datetime
    last_at: datetime
    conversation_ids: list[int]


def kpis_router(runtime: Any, principal: Any) -> APIRouter:
    router = APIRouter(prefix="/kpis", tags=["kpis"])
    Caller = Annotated[Principal, Depends(principal)]

    @router.get(
        "/sales",
        response_model=SalesKpisOut,
        summary="Sales KPIs and the funnel",
        responses=REP_FORBIDDEN,
    )
    async def sales(
        who: Caller,
        since: Since = None,
        until: Until = None,
        channel: Channel = None,
        rep_id: RepId = None,
        group_by: Annotated[
            Literal["channel", "rep", "campaign"] | None,
            Query(description="Also one funnel per channel, owner rep or campaign."),
        ] = None,
    ) -> SalesKpisOut:
        """Funnel visitor -> lead -> qualified -> meeting booked -> won, response and claim
        times (median, p90), follow-ups held vs no-shows, sales cycle, pipeline value."""
        window = TimeRange.of(since, until)
        scope = Scope(rep_id=who.rep_filter(rep_id), channel=channel)
        async with UnitOfWork(runtime.db, runtime.clock) as uow:
            report = await sales_report(
                uow.session,
                window,
                runtime.clock.now(),
                timezone=runtime.settings.business.timezone,
                by=group_by,
                scope=scope,
            )
        return SalesKpisOut.model_validate(report.as_json())

    @router.get(
        "/unanswered",
        response_model=list[QuestionGroupOut],
        summary="Unanswered questions, grouped",
    )
    async def unanswered(
        who: Caller,
        since: Since = None,
        until: Until = None,
        limit: Annotated[int, Query(ge=1, le=200, description="Groups to return.")] = 50,
    ) -> list[QuestionGroupOut]:
        """Questions the bot could not answer, grouped by similarity, most asked first."""
        window = TimeRange.of(since, until)
        async with UnitOfWork(runtime.db, runtime.clock) as uow:
            groups = await unanswered_report(
                uow.session,
                window,
                runtime.content,
                rep_id=who.rep_id if who.is_rep else None,
            )
            # Customers' own words: a read of personal data, audited like the others.
            await uow.audit.log(
                who.actor,
                "api.kpis.unanswered",
                target_type="unanswered_question",
                detail={"returned": min(len(groups), limit), "groups": len(groups)},
            )
        return [QuestionGroupOut.model_validate(g.as_json()) for g in groups[:limit]]

    return router
