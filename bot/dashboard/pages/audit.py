"""The audit log (admins only): who did what to personal data, leads and logins."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.dashboard.core import EXPORT_LIMIT, Dashboard
from bot.dashboard.render import csv_response
from bot.reports.tables import Table

LIMIT = 500


def routes(router: APIRouter, dash: Dashboard) -> None:
    @router.get("/audit")
    async def audit(request: Request) -> Response:
        viewer = await dash.require(request)
        if not viewer.is_admin:
            return dash.render(
                request, viewer, "error.html", message_key="forbidden", status_code=403
            )
        async with dash.uow() as uow:
            export = request.query_params.get("export") == "audit_log"
            entries = await uow.audit.recent(EXPORT_LIMIT if export else LIMIT)
        table = Table(
            "audit_log",
            ("at", "actor", "action", "target", "detail"),
            tuple(
                (
                    e.at,
                    e.actor,
                    e.action,
                    f"{e.target_type}:{e.target_id}" if e.target_type else None,
                    json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else None,
                )
                for e in entries
            ),
        )
        if export:
            return csv_response(table)
        return dash.render(request, viewer, "audit.html", table=table)
