"""Builds every registered channel for one app: context, adapters, routes, the reps' desk.

Each channel gets its own section of ``settings.yaml`` (validated by its spec), the hub's
``receive`` and what else ``ChannelContext`` carries, and nothing from the shell. Run before
``runtime.start()``: the hub is built around ``runtime.adapters`` and ``runtime.handoff``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.desk.slack.hooks import attach_desk
from bot.secret_key import load_secret
from channels.registry import Channel, ChannelContext, ChannelRegistry
from channels.slack.channel import SlackChannel
from channels.webchat.channel import WebchatChannel
from channels.webchat.connections import WebchatLimits
from dialogs.core.config import ConfigError
from dialogs.core.types import InboundMessage, Receipt

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.runtime import Runtime


def channel_context(runtime: Runtime, name: str, section: Any) -> ChannelContext:
    settings = runtime.settings

    async def receive(inbound: InboundMessage) -> Receipt:
        return await runtime.hub.receive(inbound)

    return ChannelContext(
        name=name,
        settings=section,
        receive=receive,
        db=runtime.db,
        clock=runtime.clock,
        content=runtime.content,
        business=settings.business,
        public_url=settings.server.public_url,
        server_secret=load_secret(settings),
        secrets=settings.secret_values(),
        data_dir=settings.data_dir,
    )


def build_channels(
    runtime: Runtime, registry: ChannelRegistry | None = None, *, only: set[str] | None = None
) -> dict[str, Channel]:
    registry = registry or ChannelRegistry.default()
    sections = runtime.settings.channels.sections()
    for name in sections:
        if name not in registry:
            known = ", ".join(spec.name for spec in registry)
            raise ConfigError(
                "settings.yaml", f"channels.{name}", f"no channel of that name (known: {known})"
            )
    built: dict[str, Channel] = {}
    for spec in registry:
        if only is not None and spec.name not in only:
            continue
        section = registry.section(spec.name, sections.get(spec.name))
        channel = spec.build(channel_context(runtime, spec.name, section))
        if channel is not None:
            built[spec.name] = channel
    return built


def mount_channels(
    app: FastAPI,
    runtime: Runtime,
    registry: ChannelRegistry | None = None,
    *,
    only: set[str] | None = None,
) -> dict[str, Channel]:
    """Build the channels, register their adapters, include their routes; the Slack channel
    also carries the reps' desk. The app starts them after ``runtime.start()``.

    ``only`` builds just the named channels (tests that wire one channel into a bare app).
    """
    built = build_channels(runtime, registry, only=only)
    for channel in built.values():
        runtime.adapters.update(channel.adapters)
        for router in channel.routers():
            app.include_router(router)
    slack = built.get("slack")
    if isinstance(slack, SlackChannel):
        attach_desk(slack, runtime)
    app.state.channels = built
    return built


def webchat_of(
    app: FastAPI, *, limits: WebchatLimits | None = None, rest_token: str | None = None
) -> WebchatChannel:
    """The app's web chat channel, with its limits or REST token replaced (tests, benchmark)."""
    channel = app.state.channels["webchat"]
    assert isinstance(channel, WebchatChannel)
    if limits is not None:
        channel.set_limits(limits)
    if rest_token is not None:
        channel.rest_token = rest_token
    return channel
