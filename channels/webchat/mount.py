"""The web chat channel (WebSocket + widget + demo page) and the Rasa-compatible REST channel.

Wiring, in the app factory, before ``runtime.start()`` runs (the adapters must be
registered before the hub is built)::

    from channels.webchat.mount import mount as mount_webchat
    mount_webchat(app, runtime)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from channels.webchat.channel import WebchatChannel
from channels.webchat.connections import WebchatLimits

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.runtime import Runtime

__all__ = ["WebchatChannel", "WebchatLimits", "mount"]


def mount(
    app: FastAPI,
    runtime: Runtime,
    *,
    limits: WebchatLimits | None = None,
    rest_token: str | None = None,
) -> WebchatChannel:
    """Register the ``webchat`` and ``rest`` adapters and add their routes to ``app``.

    Idempotent: a second call on the same app (a test or benchmark wrapping the real app
    factory) only replaces the limits. ``rest_token`` overrides ``SALESBOT_REST_TOKEN``.
    """
    existing: WebchatChannel | None = getattr(app.state, "webchat", None)
    if existing is not None:
        if limits is not None:
            existing.set_limits(limits)
        if rest_token is not None:
            existing.rest_token = rest_token
        return existing
    from channels.webchat.rest import RestAdapter, configured_token, rest_router
    from channels.webchat.routes import webchat_router

    channel = WebchatChannel.create(runtime, limits)
    channel.rest_token = rest_token or configured_token(runtime)
    rest = RestAdapter()
    runtime.adapters[channel.adapter.name] = channel.adapter
    runtime.adapters[rest.name] = rest
    if runtime.settings.channels.webchat.enabled:
        app.include_router(webchat_router(channel))
    app.include_router(rest_router(runtime, rest, lambda: channel.rest_token))
    app.state.webchat = channel
    return channel
