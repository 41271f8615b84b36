"""The web chat channel's parts, built once per app from the runtime."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.secret_key import load_secret
from channels.webchat.adapter import WebchatAdapter
from channels.webchat.bus import AnnouncementBus, LocalBus, RedisBus
from channels.webchat.connections import ConnectionRegistry, WebchatLimits
from channels.webchat.feed import Feed
from channels.webchat.tokens import VisitorTokens
from dialogs.core.config import ConfigError

if TYPE_CHECKING:
    from bot.hub import ConversationHub
    from bot.runtime import Runtime
    from channels.webchat.settings import WebchatSettings


@dataclass
class WebchatChannel:
    runtime: Runtime
    tokens: VisitorTokens
    registry: ConnectionRegistry
    feed: Feed
    adapter: WebchatAdapter
    limits: WebchatLimits
    origins: tuple[str, ...]
    max_frame_bytes: int
    bus: AnnouncementBus
    rest_token: str | None = None  # the REST channel's bearer token; None: channel off

    @classmethod
    def create(cls, runtime: Runtime, limits: WebchatLimits | None = None) -> WebchatChannel:
        settings = runtime.settings.channels.webchat
        limits = limits or WebchatLimits.from_settings(settings)
        registry = ConnectionRegistry(limits)
        feed = Feed(runtime.db, runtime.clock, registry)
        bus = make_bus(settings, feed)
        return cls(
            runtime=runtime,
            tokens=VisitorTokens(load_secret(runtime.settings), runtime.clock.now),
            registry=registry,
            feed=feed,
            adapter=WebchatAdapter(bus),
            bus=bus,
            limits=limits,
            origins=tuple(settings.allowed_origins),
            max_frame_bytes=settings.max_frame_bytes,
        )

    def hub(self) -> ConversationHub:
        return self.runtime.hub

    async def start(self) -> None:
        await self.bus.start()

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
