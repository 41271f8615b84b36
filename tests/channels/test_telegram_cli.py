"""Configuration and ``salesbot telegram set-webhook`` (#5), against the fake Bot API server."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.telegram import telegram_app
from bot.settings.model import Settings, load_settings
from channels.telegram.channel import TelegramChannel, make_bot, mode_of, wanted
from dialogs.core.config import ConfigError
from tests.channels.telegram_kit import fake_telegram_fixture  # noqa: F401
from tests.fakes.telegram_api import TOKEN, FakeTelegram

CONFIG = Path(__file__).resolve().parents[2] / "config"
SECRET = "prod_secret-123"


def settings_with(tmp_path: Path, **env: str) -> Settings:
    return load_settings(CONFIG, {"SALESBOT_DATA_DIR": str(tmp_path), **env})


@contextmanager
def fake_server_in_a_thread() -> Iterator[FakeTelegram]:
    """The CLI runs its own event loop (asyncio.run), so the fake server gets another one."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = FakeTelegram()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def invoke(server: FakeTelegram, *args: str, **env: str):  # noqa: ANN201
    environment = {
        "SALESBOT_TELEGRAM_TOKEN": TOKEN,
        "SALESBOT_TELEGRAM_WEBHOOK_SECRET": SECRET,
        **env,
    }
    return CliRunner().invoke(
        telegram_app,
        [*args, "--config", str(CONFIG), "--api-server", server.base_url],
        env={k: v for k, v in environment.items() if v},
    )


def test_set_webhook_registers_url_secret_updates_and_commands() -> None:
    with fake_server_in_a_thread() as server:
        result = invoke(server, "set-webhook", "https://bot.example.com")
        assert result.exit_code == 0, result.output
        [call] = server.of("setWebhook")
        assert call.token == TOKEN
        assert call.params["url"] == "https://bot.example.com/telegram/webhook"
        assert call.params["secret_token"] == SECRET
        assert call.params["allowed_updates"] == ["message", "callback_query"]
        assert len(server.of("setMyCommands")) == 2
    assert "https://bot.example.com/telegram/webhook" in result.output
    assert TOKEN not in result.output and SECRET not in result.output


def test_set_webhook_keeps_an_explicit_path() -> None:
    with fake_server_in_a_thread() as server:
        result = invoke(server, "set-webhook", "https://example.com/bots/tg/hook")
        assert result.exit_code == 0, result.output
        assert server.of("setWebhook")[0].params["url"] == "https://example.com/bots/tg/hook"


@pytest.mark.parametrize(
    ("url", "env", "complaint"),
    [
        ("https://bot.example.com", {"SALESBOT_TELEGRAM_WEBHOOK_SECRET": ""}, "WEBHOOK_SECRET"),
        ("https://bot.example.com", {"SALESBOT_TELEGRAM_WEBHOOK_SECRET": "has space"}, "A-Z"),
        ("https://bot.example.com", {"SALESBOT_TELEGRAM_TOKEN": ""}, "BotFather"),
        ("http://bot.example.com", {}, "https://"),
    ],
)
def test_set_webhook_refuses_without_what_it_needs(
    url: str, env: dict[str, str], complaint: str
) -> None:
    with fake_server_in_a_thread() as server:
        result = invoke(server, "set-webhook", url, **env)
        assert result.exit_code == 2
        assert complaint in result.output
        assert server.calls == []


def test_telegram_errors_are_reported_without_the_token() -> None:
    with fake_server_in_a_thread() as server:
        server.fail_next("setWebhook", error_code=400, description="Bad Request: bad webhook")
        result = invoke(server, "set-webhook", "https://bot.example.com")
        assert result.exit_code == 2
        assert "bad webhook" in result.output and TOKEN not in result.output


def test_delete_webhook() -> None:
    with fake_server_in_a_thread() as server:
        result = invoke(server, "delete-webhook")
        assert result.exit_code == 0, result.output
        assert len(server.of("deleteWebhook")) == 1


# ── which mode `serve` runs ──────────────────────────────────────────────


def test_modes_from_settings(tmp_path: Path) -> None:
    plain = settings_with(tmp_path)
    assert not wanted(plain.channels.telegram, plain.secret_values())
    token_only = settings_with(tmp_path, SALESBOT_TELEGRAM_TOKEN=TOKEN)
    telegram, secrets = token_only.channels.telegram, token_only.secret_values()
    assert wanted(telegram, secrets) and mode_of(telegram, secrets) == "polling"
    webhook = settings_with(
        tmp_path,
        SALESBOT_TELEGRAM_TOKEN=TOKEN,
        SALESBOT_TELEGRAM_WEBHOOK_SECRET=SECRET,
        SALESBOT_CHANNELS__TELEGRAM__WEBHOOK_URL="https://bot.example.com/telegram/webhook",
    )
    assert mode_of(webhook.channels.telegram, webhook.secret_values()) == "webhook"


def test_a_webhook_without_secret_is_refused(tmp_path: Path) -> None:
    url_only = settings_with(
        tmp_path,
        SALESBOT_TELEGRAM_TOKEN=TOKEN,
        SALESBOT_CHANNELS__TELEGRAM__WEBHOOK_URL="https://bot.example.com/telegram/webhook",
    )
    with pytest.raises(ConfigError, match="SALESBOT_TELEGRAM_WEBHOOK_SECRET"):
        mode_of(url_only.channels.telegram, url_only.secret_values())
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        settings_with(
            tmp_path,
            SALESBOT_TELEGRAM_TOKEN=TOKEN,
            SALESBOT_CHANNELS__TELEGRAM__ENABLED="true",
            SALESBOT_CHANNELS__TELEGRAM__MODE="webhook",
        )


async def refuse(_inbound: object) -> object:
    raise AssertionError("no update expected")


async def test_webhook_mode_registers_its_webhook_on_start(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    settings = settings_with(
        tmp_path,
        SALESBOT_TELEGRAM_TOKEN=TOKEN,
        SALESBOT_TELEGRAM_WEBHOOK_SECRET=SECRET,
        SALESBOT_CHANNELS__TELEGRAM__WEBHOOK_URL="https://bot.example.com/telegram/webhook",
    )
    telegram, secrets = settings.channels.telegram, settings.secret_values()
    channel = TelegramChannel(
        make_bot(TOKEN, fake_telegram.base_url),
        refuse,  # type: ignore[arg-type]
        mode=mode_of(telegram, secrets),
        webhook_url=telegram.webhook_url,
        webhook_secret=secrets["SALESBOT_TELEGRAM_WEBHOOK_SECRET"],
    )
    await channel.start()
    await channel.stop()
    [call] = fake_telegram.of("setWebhook")
    assert call.params["secret_token"] == SECRET
    assert fake_telegram.of("getUpdates") == [] and fake_telegram.of("deleteWebhook") == []
    assert channel.webhook_router().routes[0].path == "/telegram/webhook"  # type: ignore[attr-defined]


def test_a_channel_cannot_be_built_for_a_webhook_without_secret() -> None:
    from channels.telegram.channel import make_bot

    with pytest.raises(ValueError, match="secret"):
        TelegramChannel(make_bot(TOKEN), refuse, mode="webhook")  # type: ignore[arg-type]


def test_the_webhook_path_of_the_cli_is_the_one_the_app_serves() -> None:
    from bot.cli import telegram as cli
    from channels.telegram import webhook

    assert cli.WEBHOOK_PATH == webhook.WEBHOOK_PATH


# ── the wiring `serve` uses (the snippet handed to bot/app.py) ───────────


def app_with_telegram(runtime):  # noqa: ANN001, ANN201
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    from fastapi import FastAPI

    from bot.transports import mount_channels

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        if telegram is not None:
            await telegram.start()
        try:
            yield
        finally:
            if telegram is not None:
                await telegram.stop()
            await runtime.stop()

    app = FastAPI(lifespan=lifespan)
    telegram = mount_channels(app, runtime, only={"telegram"}).get("telegram")
    return app, telegram


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_serve_runs_the_bot_in_the_configured_mode(
    tmp_path: Path, settings: Settings, fake_telegram: FakeTelegram, mode: str
) -> None:
    import httpx

    from bot.runtime import Runtime
    from tests.channels.telegram_kit import fixture

    env = {
        "SALESBOT_DATA_DIR": str(settings.data_dir),  # the NLU models trained for this run
        "SALESBOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
        "SALESBOT_TELEGRAM_TOKEN": TOKEN,
        "SALESBOT_CHANNELS__TELEGRAM__API_SERVER": fake_telegram.base_url,
    }
    if mode == "webhook":
        env["SALESBOT_TELEGRAM_WEBHOOK_SECRET"] = SECRET
        env["SALESBOT_CHANNELS__TELEGRAM__MODE"] = "webhook"
        env["SALESBOT_CHANNELS__TELEGRAM__ENABLED"] = "true"
    runtime = Runtime.create(load_settings(CONFIG, env))
    app, telegram = app_with_telegram(runtime)
    assert telegram is not None and telegram.mode == mode
    update = fixture("private_text")
    async with app.router.lifespan_context(app):
        if mode == "polling":
            await fake_telegram.push(update)
            await fake_telegram.wait_confirmed(update["update_id"])
        else:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                response = await client.post("/telegram/webhook", json=update, headers=headers)
            assert response.status_code == 200
        [reply] = fake_telegram.sent(111111111)
    assert "899" in reply["text"]  # the Cam 4K's price, from the demo catalog


def test_serve_refuses_a_webhook_url_without_secret(tmp_path: Path) -> None:
    from fastapi import FastAPI

    from bot.runtime import Runtime
    from bot.transports import mount_channels

    env = {
        "SALESBOT_DATA_DIR": str(tmp_path),
        "SALESBOT_TELEGRAM_TOKEN": TOKEN,
        "SALESBOT_CHANNELS__TELEGRAM__WEBHOOK_URL": "https://bot.example.com/telegram/webhook",
    }
    runtime = Runtime.create(load_settings(CONFIG, env))
    with pytest.raises(ConfigError, match="secret"):
        mount_channels(FastAPI(), runtime, only={"telegram"})
    assert "telegram" not in runtime.adapters


async def test_an_unreachable_telegram_does_not_stop_the_app_from_starting() -> None:
    from channels.telegram.channel import make_bot

    channel = TelegramChannel(make_bot(TOKEN, "http://127.0.0.1:9"), refuse, poll_timeout=1)  # type: ignore[arg-type]
    channel.poller.retry_delay = 0.01
    await channel.start()  # commands and deleteWebhook fail: logged, not raised
    assert channel._task is not None and not channel._task.done()
    await channel.stop()
