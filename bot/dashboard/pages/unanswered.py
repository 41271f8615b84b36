"""Unanswered questions: grouped by similarity with counts, and draft FAQ entries (YAML)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.dashboard.core import Dashboard, opt
from bot.dashboard.i18n import translator
from bot.dashboard.render import chart, csv_response
from bot.reports import tables
from bot.reports.service import unanswered_report
from bot.reports.unanswered import draft_faq_yaml

TOP = 10
DRAFT_ALL = 20


def routes(router: APIRouter, dash: Dashboard) -> None:
    async def groups_for(request: Request) -> tuple[object, list, object]:  # type: ignore[type-arg]
        viewer = await dash.require(request)
        f = dash.filters(request)
        async with dash.uow() as uow:
            groups = await unanswered_report(
                uow.session, f.window, dash.content, rep_id=viewer.own_rep
            )
        language = opt(request.query_params.get("language"))
        if language:
            groups = [g for g in groups if g.language == language]
        return viewer, groups, f

    @router.get("/unanswered")
    async def unanswered(request: Request) -> Response:
        viewer, groups, f = await groups_for(request)
        table = tables.unanswered_table(groups)
        if request.query_params.get("export") == "unanswered":
            return csv_response(table)
        t = translator(dash.lang(request))
        top = groups[:TOP]
        charts = [
            chart(
                "unanswered-top",
                "bar",
                t("unanswered"),
                [g.text[:40] for g in top],
                [{"label": t("asked"), "data": [g.count for g in top]}],
                horizontal=True,
            )
        ]
        keep = {
            k: v for k, v in request.query_params.items() if k in ("since", "until", "language")
        }

        def faq_url(group: str) -> str:
            return "/admin/unanswered/faq.yaml?" + urlencode({**keep, "group": group})

        return dash.render(
            request,
            viewer,
            "unanswered.html",
            faq_url=faq_url,
            f=f,
            groups=groups,
            table=table,
            charts=charts,
            languages=[("en", "English"), ("zh", "中文")],
        )

    @router.get("/unanswered/faq.yaml")
    async def draft(request: Request, group: str = "all") -> Response:
        _viewer, groups, _f = await groups_for(request)
        chosen = groups[:DRAFT_ALL] if group == "all" else [g for g in groups if g.key == group]
        if not chosen:
            return Response(
                "no such group in this period\n", status_code=404, media_type="text/plain"
            )
        name = "faq-drafts.yaml" if group == "all" else f"faq-draft-{group}.yaml"
        return Response(
            draft_faq_yaml(chosen, dash.content),
            media_type="application/yaml; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )
