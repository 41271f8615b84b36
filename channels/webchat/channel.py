"""The web chat channel's parts, built once per app from its ``ChannelContext``.

One channel serves two adapters: ``webchat`` (the widget's WebSocket, which can push) and
``rest`` (Rasa's REST format, which answers in the HTTP response and cannot push).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from channels.base import ChannelAdapter
from channels.registry import ChannelContext
from channels.webchat.adapter import WebchatAdapter
from channels.webchat.bus import AnnouncementBus, LocalBus, RedisBus
from channels.webchat.connections import ConnectionRegistry, WebchatLimits
from channels.webchat.feed import Feed
from channels.webchat.rest import RestAdapter, rest_router
from channels.webchat.settings import WebchatSettings
from channels.webchat.tokens import VisitorTokens
from dialogs.core.config import ConfigError

REST_TOKEN = "SALESBOT_REST_TOKEN"


@dataclass
class WebchatChannel:
    ctx: ChannelContext
    settings: WebchatSettings
    tokens: VisitorTokens
    registry: ConnectionRegistry
    feed: Feed
    adapter: WebchatAdapter
    limits: WebchatLimits
    origins: tuple[str, ...]
    max_frame_bytes: int
    bus: AnnouncementBus
    rest: RestAdapter = field(default_factory=RestAdapter)
    rest_token: str | None = None  # the REST channel's bearer token; None: channel off

    @classmethod
    def create(cls, ctx: ChannelContext, limits: WebchatLimits | None = None) -> WebchatChannel:
        settings: WebchatSettings = ctx.settings
        limits = limits or WebchatLimits.from_settings(settings)
        registry = ConnectionRegistry(limits)
        feed = Feed(ctx.db, ctx.clock, registry)
        bus = make_bus(settings, feed)
        return cls(
            ctx=ctx,
            settings=settings,
            tokens=VisitorTokens(ctx.server_secret, ctx.clock.now),
            registry=registry,
            feed=feed,
            adapter=WebchatAdapter(bus),
            bus=bus,
            limits=limits,
            origins=tuple(settings.allowed_origins),
            max_frame_bytes=settings.max_frame_bytes,
            rest_token=ctx.secret(REST_TOKEN),
        )

    @property
    def adapters(self) -> Mapping[str, ChannelAdapter]:
        return {self.adapter.name: self.adapter, self.rest.name: self.rest}

    def routers(self) -> list[Any]:
        from channels.webchat.routes import webchat_router

        # The REST token is read on every request, so a test can set it after mounting.
        routers = [rest_router(self.ctx, self.rest, lambda: self.rest_token)]
        if self.settings.enabled:
            routers.insert(0, webchat_router(self))
        return routers

    async def start(self) -> None:
        await self.bus.start()  # hears other workers' announcements (channels.webchat.bus)

    async def stop(self) -> None:
        await self.bus.stop()

    def set_limits(self, limits: WebchatLimits) -> None:
        self.limits = limits
        self.registry.limits = limits


def make_bus(settings: WebchatSettings, feed: Feed) -> AnnouncementBus:
    if settings.bus == "memory":
        return LocalBus(feed.announce, feed.announce_all)
    try:
        return RedisBus(feed.announce, feed.announce_all, url=settings.redis_url)
    except ImportError:
        raise ConfigError(
            "channels.webchat.bus", "", "redis needs the redis extra: pip install 'salesbot[redis]'"
        ) from None
