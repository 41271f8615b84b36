"""The one ASGI app: channels, CRM API, webhooks and health, started and stopped together."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response

import bot
from bot.api import create_api_router
from bot.dashboard import mount as mount_dashboard
from bot.logs import RequestIdMiddleware
from bot.metrics import CONTENT_TYPE_LATEST as METRICS_CONTENT_TYPE
from bot.runtime import Runtime
from bot.scheduler.runner import running_scheduler
from bot.settings.model import Settings
from bot.transports import mount_channels
from bot.webhooks.delivery import running_webhooks
from crm_store import migrate

# uvicorn's own WebSocket frame limit, as a multiple of the web chat's: a frame a little
# over the web chat's limit reaches it and gets the documented ``frame_too_large`` error
# before the 1009 close; a far larger one is refused by uvicorn itself, unbuffered.
TRANSPORT_FRAME_FACTOR = 4


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How every server of this app runs uvicorn: ``serve``, the benchmark and the tests."""
    return {
        # ~45 KB of zlib state per socket: 10,000 idle visitors 1.16 GB -> 0.74 GB.
        "ws_per_message_deflate": False,
        "ws_max_size": settings.channels.webchat.max_frame_bytes * TRANSPORT_FRAME_FACTOR,
    }


def create_app(runtime: Runtime) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        # Retries replies whose delivery failed (backoff) while the app runs.
        retry_loop = asyncio.create_task(runtime.hub.outbox.run(), name="outbox")
        started = []
        try:
            for channel in channels.values():  # web chat first: it hears the other workers
                await channel.start()  # e.g. Telegram commands, then polling or setWebhook
                started.append(channel)
            # Outgoing webhooks (a no-op without configured endpoints).
            async with running_webhooks(runtime), running_scheduler(runtime):
                yield
        finally:
            # Before runtime.stop(): background Slack work still needs the database.
            web = channels.get("webchat")
            for channel in reversed(started):
                if channel is not web:
                    await channel.stop()
            retry_loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retry_loop
            if web in started:
                await web.stop()  # after the outbox loop: nothing publishes any more
            await runtime.stop()

    app = FastAPI(
        title="salesbot",
        version=bot.__version__,
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
    )
    app.add_middleware(RequestIdMiddleware)
    app.state.runtime = runtime
    app.include_router(create_api_router(runtime))
    mount_dashboard(app, runtime)  # /admin pages and their static files
    # Adapters, the handoff desk and the staff channel are registered before
    # runtime.start(), which builds the hub around them: web chat (widget, WebSocket, demo
    # page at /, REST channel), Telegram and Slack when wanted, and registered channels.
    channels = mount_channels(app, runtime)

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics() -> Response:
        body = await runtime.metrics.render(runtime.db, runtime.clock.now())
        return Response(body, media_type=METRICS_CONTENT_TYPE)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> JSONResponse:
        try:  # reading the schema revision is the connectivity check too
            revision = await migrate.current_revision(runtime.db)
        except Exception as exc:  # noqa: BLE001 - health must answer, not crash
            return JSONResponse(
                {"status": "error", "database": type(exc).__name__}, status_code=503
            )
        ok = revision == migrate.head_revision()
        return JSONResponse(
            {
                "status": "ok" if ok else "degraded",
                "version": bot.__version__,
                "database": runtime.db.dialect,
                "schema": revision,
            },
            status_code=200 if ok else 503,
        )

    return app
