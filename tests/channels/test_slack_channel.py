"""Wiring the Slack app into the server (#6): ``attach`` registers the ``slack`` adapter, the
desk as the handoff service, the staff channel and ``POST /slack/events``; it refuses to
run over HTTP without the signing secret, and stays out of the way when Slack is off.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml
from fastapi import FastAPI
from slack_sdk.web.async_client import AsyncWebClient
from typer.testing import CliRunner

from bot.cli.slack import slack_app
from bot.desk.slack.desk import SlackDesk
from bot.desk.slack.hooks import SlackDeskHooks
from bot.desk.slack.staff import SlackStaff
from bot.handoff import InMemoryHandoff
from bot.runtime import Runtime
from bot.settings.model import Settings, load_settings
from bot.transports import mount_channels
from channels.slack.adapter import SlackAdapter
from channels.slack.channel import EVENTS_PATH, SlackChannel, wanted
from channels.slack.manifest import manifest
from crm_store.clock import FakeClock
from crm_store.database import Database
from dialogs.core.config import ConfigError
from dialogs.core.content import Content
from dialogs.core.types import Receipt
from dialogs.nlu import NluService
from tests.channels.slack_kit import SIGNING_SECRET, fake_slack_fixture, make_rig  # noqa: F401
from tests.conftest import CONFIG
from tests.fakes.slack_api import APP_TOKEN, TOKEN, FakeSlack


def settings_with(tmp_path: Path, **env: str) -> Settings:
    return load_settings(CONFIG, {"SALESBOT_DATA_DIR": str(tmp_path), **env})


async def status_of_unsigned_post(app: FastAPI) -> int:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as client:
        response = await client.post(EVENTS_PATH, json={"type": "event_callback"})
    return response.status_code


async def test_slack_is_off_without_a_token(tmp_path: Path) -> None:
    settings = settings_with(tmp_path)
    assert not wanted(settings.channels.slack, settings.secret_values())
    runtime = Runtime.create(settings, FakeClock())
    app = FastAPI()
    assert mount_channels(app, runtime, only={"slack"}) == {}
    assert "slack" not in runtime.adapters
    assert isinstance(runtime.handoff, InMemoryHandoff)
    assert await status_of_unsigned_post(app) == 404


async def test_attach_wires_the_desk_adapter_staff_and_route(tmp_path: Path) -> None:
    settings = settings_with(
        tmp_path,
        SALESBOT_SLACK_BOT_TOKEN=TOKEN,
        SALESBOT_SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SALESBOT_CHANNELS__SLACK__ENABLED="true",
        SALESBOT_CHANNELS__SLACK__API_URL="http://127.0.0.1:9/api/",
    )
    runtime = Runtime.create(settings, FakeClock())
    app = FastAPI()
    channel = mount_channels(app, runtime, only={"slack"})["slack"]
    assert isinstance(channel, SlackChannel) and channel.mode == "http"
    assert isinstance(runtime.adapters["slack"], SlackAdapter)
    hooks = channel.hooks
    assert isinstance(hooks, SlackDeskHooks)
    assert runtime.handoff is hooks.desk and isinstance(hooks.desk, SlackDesk)
    assert isinstance(runtime.staff, SlackStaff)  # type: ignore[attr-defined]
    assert await status_of_unsigned_post(app) == 401  # the route is there, and verifies
    assert channel.api.client.base_url == "http://127.0.0.1:9/api/"


def test_http_mode_needs_the_signing_secret(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, SALESBOT_SLACK_BOT_TOKEN=TOKEN)
    assert wanted(settings.channels.slack, settings.secret_values())
    with pytest.raises(ConfigError, match="SALESBOT_SLACK_SIGNING_SECRET"):
        mount_channels(FastAPI(), Runtime.create(settings, FakeClock()), only={"slack"})


async def no_customers(inbound: object) -> Receipt:
    raise AssertionError("no customer message expected")


def test_socket_mode_needs_no_signing_secret() -> None:
    channel = SlackChannel(
        receive=no_customers,
        client=AsyncWebClient(token=TOKEN, base_url="http://127.0.0.1:9/api/"),
        signing_secret="",
        app_token="xapp-1-A0SALESBOT-fake",
    )
    assert channel.mode == "socket"
    with pytest.raises(ValueError, match="signing secret"):
        SlackChannel(
            receive=no_customers,
            client=AsyncWebClient(token=TOKEN),
            signing_secret="",
        )


async def test_socket_mode_end_to_end(
    fake_slack: FakeSlack,
    seeded_db: Database,
    clock: FakeClock,
    settings: Settings,
    content: Content,
    understanding: NluService,
) -> None:
    """With an app-level token the app connects out over a WebSocket: no public URL."""
    async for rig in make_rig(
        server=fake_slack,
        db=seeded_db,
        clock=clock,
        settings=settings,
        content=content,
        understanding=understanding,
        app_token=APP_TOKEN,
    ):
        assert rig.channel.mode == "socket"
        (opened,) = await fake_slack.wait_for("apps.connections.open", 1)
        assert opened.token == APP_TOKEN
        envelope = rig.payloads.message("D0SOCKET01", "U0SOCKET01", "hi", im=True)
        envelope_id = await fake_slack.push_envelope(envelope)
        await fake_slack.until(
            lambda eid=envelope_id: any(a.get("envelope_id") == eid for a in fake_slack.socket_acks)
        )
        await fake_slack.until(lambda: bool(fake_slack.posts("D0SOCKET01")), within=10)
        await rig.drain()
        assert fake_slack.posts("D0SOCKET01")[0].params["channel"] == "D0SOCKET01"


def test_the_manifest_matches_what_the_app_listens_to() -> None:
    over_http = manifest("https://sales.example.com/")
    url = "https://sales.example.com/slack/events"
    settings = over_http["settings"]
    assert settings["event_subscriptions"] == {
        "bot_events": ["message.im", "message.channels", "message.groups"],
        "request_url": url,
    }
    assert settings["interactivity"] == {"is_enabled": True, "request_url": url}
    (command,) = over_http["features"]["slash_commands"]
    assert (command["command"], command["url"]) == ("/salesbot", url)
    scopes = set(over_http["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "commands", "im:history", "im:write", "channels:history"} <= scopes
    socket = manifest("https://ignored.example", socket_mode=True)
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket["settings"]["event_subscriptions"]
    assert "url" not in socket["features"]["slash_commands"][0]


def test_the_manifest_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        slack_app, ["manifest", "--config", str(CONFIG), "--public-url", "https://s.example"]
    )
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout) == manifest("https://s.example")
