"""What every dashboard page shares: the runtime, sessions, the viewer, filters, rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.dashboard.i18n import pick_language
from bot.dashboard.render import Renderer
from bot.dashboard.security import (
    CSRF_FIELD,
    LANG_COOKIE,
    Sessions,
    Viewer,
    check_csrf,
    new_token,
)
from bot.reports.stats import Window, window_of
from bot.secret_key import load_secret
from crm_store.models import Rep
from crm_store.models.ops import User
from crm_store.uow import UnitOfWork

DEFAULT_WEEKS = 8
ROLES = ("admin", "manager", "rep")
# Lists on a page stop at a few hundred rows; their CSV export has everything (up to this).
EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class Filters:
    """The period a page shows, as typed in the form (business-time-zone dates)."""

    window: Window
    since: str
    until: str
    error: str | None = None


class Dashboard:
    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.config = runtime.settings.dashboard
        self.sessions = Sessions(
            load_secret(runtime.settings).decode(),
            self.config.session_hours,
            secure=runtime.settings.server.public_url.startswith("https://"),
            clock=runtime.clock,
        )
        self.timezone = runtime.settings.business.timezone
        self.renderer = Renderer(self.timezone)

    @property
    def content(self) -> Any:
        return self.runtime.content

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.runtime.db, self.runtime.clock)

    def now(self) -> Any:
        return self.runtime.clock.now()

    def lang(self, request: Request) -> str:
        return pick_language(
            request.cookies.get(LANG_COOKIE),
            request.headers.get("accept-language"),
            self.runtime.settings.business.default_language,
        )

    async def viewer(self, request: Request) -> Viewer | None:
        data = self.sessions.read(request)
        user_id, csrf = data.get("u"), data.get("c")
        if not isinstance(user_id, int) or not isinstance(csrf, str):
            return None
        async with self.uow() as uow:
            user = await uow.session.get(User, user_id)
            rep = await uow.session.get(Rep, user.rep_id) if user and user.rep_id else None
        if user is None or not user.active or user.role not in ROLES:
            return None
        if user.locked_until is not None and user.locked_until > self.now():
            return None
        if user.role == "rep" and (rep is None or not rep.active):
            # A rep user sees their rep's work; without an active rep there is nothing to see
            # (and no filter must silently fall back to "everything").
            return None
        return Viewer(user.id, user.username, user.role, user.rep_id, csrf)

    async def require(self, request: Request) -> Viewer:
        """The logged-in viewer, or a redirect to the login page (back here afterwards)."""
        viewer = await self.viewer(request)
        if viewer is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise HTTPException(
                status.HTTP_303_SEE_OTHER,
                headers={"Location": f"/admin/login?next={quote(target, safe='')}"},
            )
        return viewer

    async def form(self, request: Request) -> dict[str, str]:
        """A POSTed form, refused (403) unless it carries the session's CSRF token."""
        form = await request.form()
        check_csrf(self.sessions.read(request), form.get(CSRF_FIELD))
        return {k: v for k, v in form.items() if isinstance(v, str)}

    def filters(self, request: Request) -> Filters:
        """since/until from the query; by default the last eight weeks up to now."""
        q = request.query_params
        if "since" not in q and "until" not in q:
            start = (
                (self.now() - timedelta(weeks=DEFAULT_WEEKS))
                .astimezone(self.renderer.zone)
                .date()
                .isoformat()
            )
            return Filters(window_of(start, None, self.timezone), start, "")
        since, until = q.get("since", ""), q.get("until", "")
        try:
            return Filters(window_of(since, until, self.timezone), since, until)
        except ValueError as exc:
            return Filters(Window(), since, until, str(exc))

    def render(
        self, request: Request, viewer: Viewer | None, template: str, **context: Any
    ) -> HTMLResponse:
        session = self.sessions.read(request)
        fresh = viewer is None and not isinstance(session.get("c"), str)
        csrf = viewer.csrf if viewer else (new_token() if fresh else session["c"])
        response = self.renderer.page(
            request, viewer, template, lang=self.lang(request), csrf=csrf, **context
        )
        if fresh:  # an anonymous session, so the login form has a token to check
            self.sessions.write(response, {"c": csrf})
        return response

    def not_found(self, request: Request, viewer: Viewer) -> HTMLResponse:
        return self.render(request, viewer, "error.html", message_key="not_found", status_code=404)

    @staticmethod
    def back(location: str) -> RedirectResponse:
        return RedirectResponse(location, status_code=status.HTTP_303_SEE_OTHER)


def safe_next(value: str | None) -> str:
    """Only a path inside the dashboard; never another site (open redirect)."""
    if value and value.startswith("/admin") and not value.startswith("//") and "\\" not in value:
        return value
    return "/admin/surveys"


def opt(value: str | None) -> str | None:
    """An optional filter from a query string: empty means no filter."""
    value = (value or "").strip()
    return value or None


def opt_int(value: str | None) -> int | None:
    value = opt(value)
    return int(value) if value and value.isdigit() else None
