"""Channels by name: what each one needs, how it is built, and where third-party ones come from.

The shell builds every registered channel the same way: it validates the channel's own
section of ``settings.yaml`` (``channels.<name>``) with the spec's model, hands the factory a
``ChannelContext`` (the hub's ``receive`` callback, the store, the clock, the public URL, its
section, its secrets) and mounts what comes back. So adding a channel touches nothing in
``bot/``: a package registers a ``ChannelSpec`` under the entry-point group
``salesbot.channels`` (like Rasa's ``BUILTIN_CHANNELS`` plus custom connectors).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from channels.base import ChannelAdapter
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.uow import UnitOfWork
from dialogs.core.config import validate
from dialogs.core.content import Content
from dialogs.core.settings import BusinessSettings
from dialogs.core.types import InboundMessage, Receipt

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "salesbot.channels"
# The package's own channels, imported only when asked for: a server without Slack never
# imports slack-bolt.
BUILTIN_CHANNELS: dict[str, str] = {
    "webchat": "channels.webchat.spec:SPEC",
    "telegram": "channels.telegram.spec:SPEC",
    "slack": "channels.slack.spec:SPEC",
}

Receive = Callable[[InboundMessage], Awaitable[Receipt]]


@dataclass(frozen=True)
class ChannelContext:
    """Everything a channel may use; it never reaches into the shell for more."""

    name: str
    settings: Any  # the channel's own section, an instance of its spec's ``settings`` model
    receive: Receive  # ``ConversationHub.receive``; bound late, the hub is built after channels
    db: Database
    clock: Clock
    content: Content
    business: BusinessSettings
    public_url: str
    server_secret: bytes  # derive purpose-specific keys from it (HMAC), never use it raw
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)  # env name -> value
    data_dir: Path = Path(".salesbot")

    def secret(self, variable: str) -> str | None:
        """A secret from the environment, e.g. ``SALESBOT_TELEGRAM_TOKEN``; None when unset."""
        return self.secrets.get(variable) or None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.clock)


class Channel(Protocol):
    """A built channel: its adapters (by name), its HTTP routes, and its lifecycle."""

    @property
    def adapters(self) -> Mapping[str, ChannelAdapter]: ...

    def routers(self) -> list[Any]:
        """FastAPI ``APIRouter``s to include in the app (may be empty)."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class ChannelSpec:
    """How to build one channel. ``build`` returns None when the channel is not wanted with
    these settings and secrets (e.g. Telegram without a token)."""

    name: str
    settings: type[BaseModel]
    build: Callable[[ChannelContext], Channel | None]
    description: str = ""


class ChannelRegistry:
    def __init__(self) -> None:
        self._specs: dict[str, ChannelSpec] = {}

    def register(self, spec: ChannelSpec, *, replace: bool = False) -> None:
        if spec.name in self._specs and not replace:
            raise ValueError(
                f"two channels are named {spec.name!r}: {self._specs[spec.name].build!r} and "
                f"{spec.build!r}; rename one or register with replace=True"
            )
        self._specs[spec.name] = spec

    def __getitem__(self, name: str) -> ChannelSpec:
        return self._specs[name]

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[ChannelSpec]:
        return iter(self._specs.values())

    @classmethod
    def builtin(cls) -> ChannelRegistry:
        registry = cls()
        for target in BUILTIN_CHANNELS.values():
            registry.register(_resolve(target))
        return registry

    @classmethod
    def default(cls) -> ChannelRegistry:
        """The built-in channels plus those installed packages register."""
        registry = cls.builtin()
        registry.load_entry_points()
        return registry

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> list[str]:
        loaded = []
        for point in entry_points(group=group):
            spec = point.load()
            if callable(spec) and not isinstance(spec, ChannelSpec):
                spec = spec()
            if not isinstance(spec, ChannelSpec):
                raise TypeError(
                    f"entry point {point.name} = {point.value} in {group} is not a ChannelSpec"
                )
            self.register(spec)
            loaded.append(spec.name)
            log.info("channel %r from %s", spec.name, point.value)
        return loaded

    def section(self, name: str, raw: Any) -> BaseModel:
        """Validate ``channels.<name>`` of settings.yaml with the channel's own model."""
        spec = self._specs[name]
        if isinstance(raw, spec.settings):
            return raw
        return validate(spec.settings, raw or {}, f"settings.yaml: channels.{name}")


def _resolve(target: str) -> ChannelSpec:
    module, _, attr = target.partition(":")
    spec = getattr(importlib.import_module(module), attr)
    if not isinstance(spec, ChannelSpec):
        raise TypeError(f"{target} is not a ChannelSpec")
    return spec


__all__ = [
    "BUILTIN_CHANNELS",
    "ENTRY_POINT_GROUP",
    "Channel",
    "ChannelContext",
    "ChannelRegistry",
    "ChannelSpec",
    "Receive",
]
