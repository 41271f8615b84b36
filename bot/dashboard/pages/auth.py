"""Login, logout and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.dashboard.core import Dashboard, safe_next
from bot.dashboard.i18n import LANGS
from bot.dashboard.security import LANG_COOKIE, new_token
from bot.dashboard.users import UserStore


def routes(router: APIRouter, dash: Dashboard) -> None:
    @router.get("", include_in_schema=False)
    @router.get("/", include_in_schema=False)
    async def home(request: Request) -> RedirectResponse:
        await dash.require(request)
        return dash.back("/admin/surveys")

    @router.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request, next: str = "") -> Response:  # noqa: A002
        if await dash.viewer(request) is not None:
            return dash.back(safe_next(next))
        return dash.render(request, None, "login.html", next=safe_next(next), error=None)

    @router.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = await dash.form(request)
        username = form.get("username", "").strip()[:100]
        target = safe_next(form.get("next"))
        async with dash.uow() as uow:
            store = UserStore(
                uow.session,
                uow.clock,
                max_failed=dash.config.max_failed_logins,
                lock_minutes=dash.config.lockout_minutes,
            )
            result = await store.authenticate(username, form.get("password", ""))
            user = result.user
            action = {
                "ok": "dashboard.login",
                "invalid": "dashboard.login_failed",
                "locked": "dashboard.login_locked",
            }
            await uow.audit.log(
                f"user:{username.lower()}" if user else "anonymous",
                action[result.status],
                target_type="user",
                target_id=user.id if user else None,
                detail={"username": username.lower()},
            )
        if result.status == "ok" and user is not None:
            response = dash.back(target)
            # A fresh CSRF token at login: a token seen before login is useless after it.
            dash.sessions.write(response, {"u": user.id, "c": new_token()})
            return response
        # A wrong password is an ordinary form error (200, like any form); a lockout is a
        # 429, which log monitoring (fail2ban and the like) can count.
        error = ("login_invalid", {})
        code = status.HTTP_200_OK
        if result.status == "locked" and result.locked_until is not None:
            until = dash.renderer.fmt_time(result.locked_until)
            error, code = ("login_locked", {"until": until}), status.HTTP_429_TOO_MANY_REQUESTS
        return dash.render(request, None, "login.html", next=target, error=error, status_code=code)

    @router.post("/logout")
    async def logout(request: Request) -> RedirectResponse:
        await dash.form(request)
        response = dash.back("/admin/login")
        dash.sessions.clear(response)
        return response

    @router.get("/lang/{lang}")
    async def switch_language(request: Request, lang: str, next: str = "") -> RedirectResponse:  # noqa: A002
        response = dash.back(safe_next(next))
        if lang in LANGS:
            response.set_cookie(
                LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/admin"
            )
        return response
