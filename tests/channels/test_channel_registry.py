"""Channels by name: the built-in ones, and one a separate package registers (#14).

The package is installed the way pip would leave it: a module and a ``*.dist-info`` folder
whose ``entry_points.txt`` names a ``ChannelSpec`` in the ``salesbot.channels`` group, on
``sys.path`` in a temp dir. Nothing in ``bot/`` knows about it.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.runtime import Runtime
from bot.settings.model import Settings, load_settings
from channels.registry import BUILTIN_CHANNELS, ChannelRegistry, ChannelSpec
from crm_store.models import Conversation
from dialogs.core.config import ConfigError
from tests.conftest import CONFIG
from tests.fakes.installed import install

PACKAGE = '''
"""A channel that arrives over a plain HTTP route and keeps what the bot says."""
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from channels.registry import ChannelContext, ChannelSpec
from dialogs.core.types import ChannelAddress, InboundMessage


class AcmeSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    enabled: bool = False
    prefix: str = "/acme"


class AcmeAdapter:
    name = "acme"

    def __init__(self):
        self.sent = []

    async def send(self, address, reply, *, role="bot"):
        self.sent.append((address.chat_id, reply.text))
        return None


class AcmeChannel:
    def __init__(self, ctx: ChannelContext):
        self.ctx = ctx
        self.adapter = AcmeAdapter()
        self.started = False

    @property
    def adapters(self):
        return {"acme": self.adapter}

    def routers(self):
        router = APIRouter()

        @router.post(self.ctx.settings.prefix + "/inbound")
        async def inbound(request: Request):
            body = await request.json()
            receipt = await self.ctx.receive(
                InboundMessage(
                    address=ChannelAddress("acme", body["user"]),
                    user_id=body["user"],
                    text=body["text"],
                    message_id=body["id"],
                )
            )
            return {"status": receipt.status}

        return [router]

    async def start(self):
        self.started = True

    async def stop(self):
        self.started = False


def build(ctx):
    return AcmeChannel(ctx) if ctx.settings.enabled else None


SPEC = ChannelSpec(name="acme", settings=AcmeSettings, build=build)
'''


@pytest.fixture
def acme_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return install(
        monkeypatch,
        tmp_path / "site",
        "acme_channel",
        PACKAGE,
        {"salesbot.channels": {"acme": "acme_channel:SPEC"}},
    )


def settings_for(settings: Settings, tmp_path: Path, **env: str) -> Settings:
    return load_settings(
        CONFIG,
        {
            "SALESBOT_DATA_DIR": str(settings.data_dir),  # the models trained for this run
            "SALESBOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'acme.db'}",
            **env,
        },
    )


def test_the_builtin_channels_are_registered_by_name() -> None:
    registry = ChannelRegistry.builtin()
    assert [spec.name for spec in registry] == list(BUILTIN_CHANNELS)
    with pytest.raises(ValueError, match="two channels are named 'slack'"):
        registry.register(registry["slack"])


def test_an_installed_package_registers_a_channel(acme_installed: Path) -> None:
    registry = ChannelRegistry.default()
    assert "acme" in registry and isinstance(registry["acme"], ChannelSpec)
    section = registry.section("acme", {"enabled": True})
    assert section.enabled is True  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="channels.acme: prefx: unknown key"):
        registry.section("acme", {"prefx": "/x"})


async def test_a_registered_channel_talks_to_the_bot_without_touching_bot(
    acme_installed: Path, settings: Settings, tmp_path: Path
) -> None:
    settings = settings_for(settings, tmp_path, SALESBOT_CHANNELS__ACME__ENABLED="true")
    runtime = Runtime.create(settings)
    app = create_app(runtime)
    acme = app.state.channels["acme"]
    async with app.router.lifespan_context(app):
        assert acme.started
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            body = {"user": "u-1", "text": "how much is the Auralis Cam 4K?", "id": "m-1"}
            answered = await http.post("/acme/inbound", json=body)
            again = await http.post("/acme/inbound", json=body)
        assert answered.json() == {"status": "handled"}
        assert again.json() == {"status": "duplicate"}  # the store's guard, as for any channel
        [(chat, text)] = acme.adapter.sent
        assert chat == "u-1" and "899" in text  # the demo catalog's price of the Cam 4K
        async with runtime.uow() as uow:
            channels = (await uow.session.scalars(select(Conversation.channel))).all()
        assert channels == ["acme"]
    assert not acme.started


def test_a_section_for_an_unknown_channel_is_refused(settings: Settings, tmp_path: Path) -> None:
    settings = settings_for(settings, tmp_path, SALESBOT_CHANNELS__TELEGAM__ENABLED="true")
    with pytest.raises(ConfigError, match="channels.telegam: no channel of that name"):
        create_app(Runtime.create(settings))
