"""The web chat channel's parts, built once per app from the runtime."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.secret_key import load_secret
from channels.webchat.adapter import WebchatAdapter
from channels.webchat.connections import ConnectionRegistry, WebchatLimits
from channels.webchat.feed import Feed
from channels.webchat.tokens import VisitorTokens

if TYPE_CHECKING:
    from bot.hub import ConversationHub
    from bot.runtime import Runtime


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
    rest_token: str | None = None  # the REST channel's bearer token; None: channel off

    @classmethod
    def create(cls, runtime: Runtime, limits: WebchatLimits | None = None) -> WebchatChannel:
        settings = runtime.settings.channels.webchat
        limits = limits or WebchatLimits.from_settings(settings)
        registry = ConnectionRegistry(limits)
        feed = Feed(runtime.db, runtime.clock, registry)
        return cls(
            runtime=runtime,
            tokens=VisitorTokens(load_secret(runtime.settings), runtime.clock.now),
            registry=registry,
            feed=feed,
            adapter=WebchatAdapter(feed),
            limits=limits,
            origins=tuple(settings.allowed_origins),
            max_frame_bytes=settings.max_frame_bytes,
        )

    def hub(self) -> ConversationHub:
        return self.runtime.hub

    def set_limits(self, limits: WebchatLimits) -> None:
        self.limits = limits
        self.registry.limits = limits
