"""Sales KPIs: the funnel, leads per period, response and claim times, follow-ups, pipeline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.dashboard.core import Dashboard, opt, opt_int
from bot.dashboard.i18n import translator
from bot.dashboard.render import chart, csv_response
from bot.reports import tables
from bot.reports.kpi_data import Scope
from bot.reports.kpis import STAGES
from bot.reports.service import SalesReport, rep_names, sales_report

SPLITS = ("channel", "rep", "campaign")
FOLLOW_UP_COLORS = ["#2e9e5b", "#d1495b", "#9ca3af", "#3563e9", "#c9a227"]


def routes(router: APIRouter, dash: Dashboard) -> None:
    @router.get("/kpis")
    async def kpis(request: Request) -> Response:
        viewer = await dash.require(request)
        q = request.query_params
        f = dash.filters(request)
        by = q.get("by") if q.get("by") in SPLITS else "channel"
        scope = Scope(rep_id=viewer.own_rep or opt_int(q.get("rep")), channel=opt(q.get("channel")))
        async with dash.uow() as uow:
            report = await sales_report(
                uow.session, f.window, dash.now(), timezone=dash.timezone, by=by, scope=scope
            )
            names = await rep_names(uow.session)
        labels = names if by == "rep" else None
        k = report.kpis
        found = {
            t.name: t
            for t in (
                tables.funnel_table(k.funnel),
                tables.funnel_table(k.funnel, report.funnels, labels, "funnel_split"),
                tables.per_period_table("leads_per_week", report.leads_by_channel, "channel"),
                tables.per_period_table(
                    "leads_per_week_campaign", report.leads_by_campaign, "campaign"
                ),
                tables.per_period_table("leads_per_day", report.leads_by_day, "channel"),
                tables.timing_table(k),
                tables.follow_ups_table(k),
                tables.pipeline_table(k),
            )
        }
        export = q.get("export")
        if export in found:
            return csv_response(found[export])
        channels = sorted({c for counts in report.leads_by_channel.values() for c in counts})
        if scope.channel and scope.channel not in channels:
            channels.append(scope.channel)
        return dash.render(
            request,
            viewer,
            "kpis.html",
            f=f,
            report=report,
            k=k,
            tables=found,
            by=by,
            splits=SPLITS,
            options={
                "channel": [(c, c) for c in channels],
                "rep": [] if viewer.is_rep else sorted(names.items(), key=lambda kv: kv[1]),
            },
            charts=_charts(report, dash.lang(request)),
        )


def _stacked(chart_id: str, title: str, data: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    keys = sorted({key for counts in data.values() for key in counts})
    datasets = [{"label": key, "data": [data[p].get(key, 0) for p in data]} for key in keys]
    return chart(chart_id, "bar", title, list(data), datasets, stacked=True)


def _charts(report: SalesReport, lang: str) -> list[dict[str, Any]]:
    t = translator(lang)
    k = report.kpis
    f = k.follow_ups
    funnel_labels = [t("stage_visitor")] + [t("stage_" + s) for s in STAGES]
    timing = [
        (t("metric_human_first_response"), k.human_first_response_minutes),
        (t("metric_handoff_claim"), k.claim_minutes),
    ]
    return [
        chart(
            "funnel",
            "bar",
            t("funnel"),
            funnel_labels,
            [
                {
                    "label": t("col_count"),
                    "data": [k.funnel.visitors] + [s.count for s in k.funnel.steps],
                }
            ],
            horizontal=True,
        ),
        _stacked("leads-per-week", t("leads_per_week"), report.leads_by_channel),
        _stacked("leads-per-week-campaign", t("leads_per_week_campaign"), report.leads_by_campaign),
        chart(
            "response-times",
            "bar",
            t("timings"),
            [label for label, _ in timing],
            [
                {"label": t("col_median"), "data": [s.median for _, s in timing]},
                {"label": t("col_p90"), "data": [s.p90 for _, s in timing]},
            ],
        ),
        chart(
            "follow-ups",
            "doughnut",
            t("follow_ups"),
            [t("outcome_" + o) for o in ("held", "no_show", "cancelled", "upcoming")]
            + [t("outcome_awaiting_outcome")],
            [
                {
                    "label": t("follow_ups"),
                    "data": [f.held, f.no_show, f.cancelled, f.upcoming, f.awaiting_outcome],
                }
            ],
            colors=FOLLOW_UP_COLORS,
        ),
        chart(
            "pipeline",
            "bar",
            t("pipeline"),
            [t("stage_" + ("lead" if s == "new" else s)) for s in k.pipeline.by_stage],
            [{"label": t("col_value"), "data": list(k.pipeline.by_stage.values())}],
        ),
    ]
