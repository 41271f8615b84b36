"""Surveys: CSAT, NPS and response rate; weekly trend; splits; comments, detractors first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.dashboard.core import Dashboard, opt, opt_int
from bot.dashboard.i18n import translator
from bot.dashboard.render import chart, csv_response
from bot.reports import tables
from bot.reports.comments import load_answers
from bot.reports.service import SurveyReport, rep_names, survey_report

SPLITS = ("channel", "rep", "language", "trigger")
CATEGORIES = ("detractor", "passive", "promoter", "none")
NPS_COLORS = {"promoters": "#2e9e5b", "passives": "#c9a227", "detractors": "#d1495b"}


def routes(router: APIRouter, dash: Dashboard) -> None:
    @router.get("/surveys")
    async def surveys(request: Request) -> Response:
        viewer = await dash.require(request)
        q = request.query_params
        f = dash.filters(request)
        rep_id = viewer.own_rep or opt_int(q.get("rep"))
        chosen = dict(
            channel=opt(q.get("channel")),
            rep_id=rep_id,
            language=opt(q.get("language")),
            trigger=opt(q.get("trigger")),
        )
        by = q.get("by") if q.get("by") in SPLITS else "channel"
        category = q.get("category") if q.get("category") in CATEGORIES else None
        async with dash.uow() as uow:
            report = await survey_report(
                uow.session, f.window, timezone=dash.timezone, splits=SPLITS, **chosen
            )
            answers = await load_answers(
                uow.session, since=f.window.since, until=f.window.until, **chosen
            )
            names = await rep_names(uow.session)
        labels = names if by == "rep" else None
        comments = [
            a
            for a in answers
            if a.comment
            and (category is None or a.category == category)
            and (not opt(q.get("q")) or q["q"].strip().lower() in a.comment.lower())
        ]
        # Keyed by each table's own name: the export link on the page uses that name.
        found = {
            t.name: t
            for t in (
                tables.survey_table(report.overall, report.splits[by], labels),
                tables.survey_table(report.overall, report.weekly, name="surveys_per_week"),
                tables.distribution_table("csat_distribution", report.overall.csat.distribution),
                tables.distribution_table("nps_distribution", report.overall.nps.distribution),
                tables.nps_breakdown_table(report.overall),
                tables.answers_table(comments, names, "comments"),
                tables.answers_table(answers, names),
            )
        }
        export = q.get("export")
        if export in found:
            return csv_response(found[export])
        # Only values that occur in the period (a filter that matches nothing is no help).
        options = {
            key: [(v, v) for v in sorted(report.splits[key])]
            for key in ("channel", "language", "trigger")
        }
        options["rep"] = [] if viewer.is_rep else sorted(names.items(), key=lambda kv: kv[1])
        return dash.render(
            request,
            viewer,
            "surveys.html",
            f=f,
            report=report,
            tables=found,
            by=by,
            splits=SPLITS,
            categories=[(c, translator(dash.lang(request))("cat_" + c)) for c in CATEGORIES],
            category=category,
            options=options,
            names=names,
            charts=_charts(report, by, labels, dash.lang(request)),
        )


def _charts(
    report: SurveyReport, by: str, labels: dict[str, str] | None, lang: str
) -> list[dict[str, Any]]:
    t = translator(lang)
    o = report.overall
    weeks = list(report.weekly)
    split = report.splits[by]
    return [
        chart(
            "csat-distribution",
            "bar",
            t("csat_distribution"),
            list(o.csat.distribution),
            [{"label": t("col_count"), "data": list(o.csat.distribution.values())}],
        ),
        chart(
            "nps-breakdown",
            "doughnut",
            t("nps_breakdown"),
            [t("col_promoters"), t("col_passives"), t("col_detractors")],
            [{"label": t("nps"), "data": [o.nps.promoters, o.nps.passives, o.nps.detractors]}],
            colors=list(NPS_COLORS.values()),
        ),
        chart(
            "weekly-scores",
            "line",
            t("weekly_trend"),
            weeks,
            [
                {
                    "label": t("col_csat_average"),
                    "data": [s.csat.average for s in report.weekly.values()],
                    "yAxisID": "y",
                },
                {
                    "label": t("col_nps_score"),
                    "data": [s.nps.score for s in report.weekly.values()],
                    "yAxisID": "y2",
                },
            ],
            dual_axis=True,
        ),
        chart(
            "weekly-response-rate",
            "bar",
            t("response_rate"),
            weeks,
            [
                {
                    "label": t("col_response_rate_pct"),
                    "data": [s.response_rate for s in report.weekly.values()],
                }
            ],
            y_max=100,
        ),
        chart(
            "split-nps",
            "bar",
            f"{t('nps')} / {t('col_csat_average')}",
            [(labels or {}).get(k, k) for k in split],
            [
                {
                    "label": t("col_nps_score"),
                    "data": [s.nps.score for s in split.values()],
                    "yAxisID": "y2",
                },
                {
                    "label": t("col_csat_average"),
                    "data": [s.csat.average for s in split.values()],
                    "yAxisID": "y",
                },
            ],
            dual_axis=True,
        ),
    ]
