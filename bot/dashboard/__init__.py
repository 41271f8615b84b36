"""The manager dashboard at ``/admin``: surveys, sales KPIs, conversations, unanswered
questions, leads and the audit log, in English and Chinese, with CSV exports.

``mount(app, runtime)`` adds the pages and the static files (Chart.js is vendored under
``static/vendor``: no CDN). Users come from ``salesbot users add``. The page modules are
imported when the dashboard is built, so ``bot.settings.dashboard`` and ``.users`` stay cheap to
import (for the settings and the CLI).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI

PREFIX = "/admin"


def create_dashboard_router(runtime: Any) -> APIRouter:
    """The ``/admin`` pages over a ``bot.runtime.Runtime`` (settings, content, db, clock)."""
    from fastapi import APIRouter

    from bot.dashboard.core import Dashboard
    from bot.dashboard.pages import (
        audit,
        auth,
        conversations,
        kpis,
        leads,
        surveys,
        unanswered,
    )

    dash = Dashboard(runtime)
    router = APIRouter(prefix=PREFIX, include_in_schema=False)
    for module in (auth, surveys, kpis, conversations, unanswered, leads, audit):
        module.routes(router, dash)
    return router


def mount(app: FastAPI, runtime: Any) -> None:
    """Add the dashboard and its static files (``/admin/static``) to the app."""
    from fastapi.staticfiles import StaticFiles

    from bot.dashboard.render import STATIC

    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="admin-static")
    app.include_router(create_dashboard_router(runtime))


__all__ = ["PREFIX", "create_dashboard_router", "mount"]
