"""Rendering: the Jinja2 environment, page and CSV responses, and chart specs.

Pages are server-rendered; the only script is ``dashboard.js``, which draws the charts from
a JSON block with the vendored Chart.js. The Content-Security-Policy allows nothing else
(no inline script, no CDN), and every chart sits beside a table with the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.dashboard.i18n import LANGS, has, translator
from bot.dashboard.security import Viewer
from bot.reports.tables import Table, to_csv

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
# Columns whose values are codes the UI shows translated (the CSV keeps the codes).
_VALUE_PREFIX = {
    "stage": "stage_",
    "metric": "metric_",
    "outcome": "outcome_",
    "category": "cat_",
    "item": "item_",
}
NAV = (
    ("surveys", "/admin/surveys"),
    ("kpis", "/admin/kpis"),
    ("conversations", "/admin/conversations"),
    ("unanswered", "/admin/unanswered"),
    ("leads", "/admin/leads"),
    ("audit", "/admin/audit"),
)


class Renderer:
    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["num"] = fmt_number
        self.env.filters["when"] = self.fmt_time

    def fmt_time(self, value: datetime | None, seconds: bool = False) -> str:
        if value is None:
            return "–"
        return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else ""))

    def page(
        self,
        request: Request,
        viewer: Viewer | None,
        template: str,
        *,
        lang: str,
        csrf: str,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        t = translator(lang)
        query = dict(request.query_params)

        def url_with(**changes: Any) -> str:
            merged = {**query, **{k: v for k, v in changes.items()}}
            params = {k: v for k, v in merged.items() if v not in (None, "")}
            return request.url.path + ("?" + urlencode(params) if params else "")

        def column(name: str) -> str:
            return t("col_" + name) if has("col_" + name) else name

        def cell(name: str, value: Any) -> str:
            if value is None:
                return "–"
            prefix = _VALUE_PREFIX.get(name)
            if prefix and has(prefix + str(value)):
                return t(prefix + str(value))
            if isinstance(value, datetime):
                return self.fmt_time(value)
            if isinstance(value, float):
                return fmt_number(value)
            return str(value)

        html = self.env.get_template(template).render(
            request=request,
            viewer=viewer,
            t=t,
            lang=lang,
            langs=LANGS,
            csrf=csrf,
            nav=[
                (key, href) for key, href in NAV if key != "audit" or (viewer and viewer.is_admin)
            ],
            path=request.url.path,
            query=query,
            url_with=url_with,
            column=column,
            cell=cell,
            charts=context.pop("charts", []),
            **context,
        )
        return HTMLResponse(html, status_code=status_code, headers=HEADERS)


def fmt_number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def csv_response(table: Table, filename: str | None = None) -> Response:
    name = filename or f"{table.name}.csv"
    # A BOM so Excel opens UTF-8 (Chinese comments) correctly.
    return Response(
        "\ufeff" + to_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def chart(
    chart_id: str,
    kind: str,
    title: str,
    labels: Sequence[str],
    datasets: Sequence[Mapping[str, Any]],
    **options: Any,
) -> dict[str, Any]:
    """A chart spec for dashboard.js: kind is bar, line or doughnut; options: stacked,
    horizontal, colors (per label, for one-dataset charts), y_max."""
    return {
        "id": chart_id,
        "type": kind,
        "title": title,
        "labels": list(labels),
        "datasets": [dict(d) for d in datasets],
        **options,
    }
