"""HTTP and WebSocket routes of the web chat: session tokens, the socket, assets, demo page."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse, Response

from channels.webchat.demo import render_demo
from channels.webchat.session import SocketSession, origin_allowed
from channels.webchat.tokens import TokenError

if TYPE_CHECKING:  # the channel builds these routes: a type-only reference back
    from channels.webchat.channel import WebchatChannel

ASSETS = {
    "widget.js": "text/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
    "demo.css": "text/css; charset=utf-8",
}
# The demo page loads nothing but its own origin's script, styles and socket; the widget
# never needs inline code, so this policy doubles as a check that it has none.
DEMO_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
MAX_SESSION_BODY = 2048


def _load_assets() -> dict[str, tuple[bytes, str]]:
    folder = resources.files("channels.webchat").joinpath("static")
    loaded = {}
    for name in ASSETS:
        body = folder.joinpath(name).read_bytes()
        loaded[name] = (body, '"' + hashlib.sha256(body).hexdigest()[:20] + '"')
    return loaded


def webchat_router(channel: WebchatChannel) -> APIRouter:
    router = APIRouter(tags=["webchat"])
    assets = _load_assets()

    def cors(request: Request) -> dict[str, str]:
        # Sites on the allowlist embed the widget and fetch a session token from here.
        origin = request.headers.get("origin")
        if origin and origin_allowed(origin, request.headers.get("host"), channel.origins):
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {"Vary": "Origin"}

    @router.post("/webchat/session", summary="Get a signed web chat visitor token")
    async def session(request: Request) -> JSONResponse:
        """Body (optional, JSON, sent as text/plain by the widget to avoid a preflight):
        ``{"token": "<previous token>"}``. A valid previous token keeps the visitor and the
        conversation; anything else starts a new visitor.
        """
        body = await request.body()
        if len(body) > MAX_SESSION_BODY:
            return JSONResponse({"detail": "body too large"}, 413, headers=cors(request))
        visitor_id = None
        previous = _token_in(body)
        if previous:
            try:
                visitor_id = channel.tokens.verify(previous).visitor_id
            except TokenError:
                visitor_id = None
        token = channel.tokens.issue(visitor_id)
        payload = {
            "token": token,
            "expires_in": int(channel.tokens.max_age.total_seconds()),
            "returning": visitor_id is not None,
        }
        return JSONResponse(payload, headers={**cors(request), "Cache-Control": "no-store"})

    @router.options("/webchat/session", include_in_schema=False)
    async def preflight(request: Request) -> Response:
        headers = cors(request)
        headers["Access-Control-Allow-Methods"] = "POST"
        headers["Access-Control-Allow-Headers"] = "Content-Type"
        headers["Access-Control-Max-Age"] = "600"
        return Response(status_code=204, headers=headers)

    @router.websocket("/webchat/ws")
    async def socket(ws: WebSocket) -> None:
        await SocketSession(channel, ws).run()

    @router.get("/webchat/{name}", include_in_schema=False)
    async def asset(name: str, request: Request) -> Response:
        if name not in assets:
            return JSONResponse({"detail": "Not Found"}, 404)
        body, etag = assets[name]
        headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=ASSETS[name], headers=headers)

    @router.get("/", include_in_schema=False)
    async def demo(lang: str = "") -> HTMLResponse:
        business = channel.ctx.business
        chosen = lang or business.default_language
        page = render_demo(channel.ctx.content, business.name, chosen)
        return HTMLResponse(page, headers={"Content-Security-Policy": DEMO_CSP})

    return router


def _token_in(body: bytes) -> str | None:
    if not body.strip():
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    token = data.get("token") if isinstance(data, dict) else None
    return token if isinstance(token, str) and len(token) <= 1000 else None
