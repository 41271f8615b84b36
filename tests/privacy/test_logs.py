"""Logs: no secret, no unmasked e-mail or phone, and a request/conversation id on each line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.hub import ConversationHub
from bot.logs import RequestIdMiddleware, configure_logging
from bot.privacy.slack_cleanup import SlackEraser, SlackRef
from bot.secret_key import load_secret
from bot.settings.model import Settings, load_settings
from channels.webchat.tokens import VisitorTokens
from crm_store.clock import FakeClock
from crm_store.database import Database
from tests.conftest import CONFIG
from tests.driver import Chat, RecordingAdapter
from tests.privacy.fake_slack import FakeSlack
from tests.privacy.support import JO, TELEGRAM_USER, fill_lead_form

SECRETS = {
    "SALESBOT_SECRET_KEY": "sk-4f9a1c2e8b7d6a5f4e3d2c1b0a9f8e7d",
    "SALESBOT_TELEGRAM_TOKEN": "7351234567:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    "SALESBOT_SLACK_BOT_TOKEN": "xoxb-1111-2222-3333-SECRETslackTOKEN",
    "SALESBOT_API_TOKEN": "sbt_apitoken_3c9f0e1d2b4a",
    "SALESBOT_WEBHOOK_SECRET": "whsec_8f7e6d5c4b3a2f1e",
}
PERSONAL = ("jo@acme-rooms.com", "6175550100", "617 555 0100", "617-555-0100")


def logged_settings(tmp_path: Path, *, json_format: bool) -> Settings:
    env = {"SALESBOT_DATA_DIR": str(tmp_path), **SECRETS}
    if json_format:
        env["SALESBOT_LOGGING__JSON_FORMAT"] = "true"
    env["SALESBOT_LOGGING__LEVEL"] = "DEBUG"
    return load_settings(CONFIG, env)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def leaks(output: str, extra: tuple[str, ...] = ()) -> list[str]:
    lowered = output.lower()
    needles = (*SECRETS.values(), *PERSONAL, *extra)
    return [n for n in needles if n.lower() in lowered]


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
async def test_conversation_and_failed_slack_call_log_nothing_secret_or_personal(
    json_format: bool,
    restore_logging: None,
    tmp_path: Path,
    new_chat,  # noqa: ANN001
    hub: ConversationHub,
    adapters: dict[str, RecordingAdapter],
    db: Database,
    clock: FakeClock,
    slack: FakeSlack,
    backend: str,
) -> None:
    if backend != "sqlite":
        pytest.skip("logging does not depend on the store")  # one backend is enough
    settings = logged_settings(tmp_path, json_format=json_format)
    stream = io.StringIO()
    configure_logging(settings, stream)
    visitor_token = VisitorTokens(b"x" * 32, clock.now).issue("v_visitor")
    log = logging.getLogger("salesbot.test")

    chat: Chat = new_chat("telegram", TELEGRAM_USER)
    adapters["telegram"].fail_next(1)  # one failed delivery: logged with the error
    await fill_lead_form(chat)
    await chat.say(f"my backup email is {JO['email']} and phone {JO['phone']}")
    # What libraries do: aiogram logs Bot API URLs (with the token inside).
    token = SECRETS["SALESBOT_TELEGRAM_TOKEN"]
    logging.getLogger("aiogram.event").debug(
        "POST https://api.telegram.org/bot%s/sendMessage chat_id=%s text=%r",
        token,
        TELEGRAM_USER,
        f"Thanks Jo, we will call {JO['phone']}",
    )
    log.info(
        "visitor authenticated with %s; Authorization: Bearer %s", visitor_token, "sbt_abc123456789"
    )
    # A failed Slack call: slack_sdk logs the request (customer text in the body) at DEBUG.
    client = AsyncWebClient(token=SECRETS["SALESBOT_SLACK_BOT_TOKEN"], base_url=slack.url)
    slack.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError):
        try:
            await client.chat_postMessage(
                channel="C0SALES", text=f"New lead {JO['name']} <{JO['email']}> {JO['phone']}"
            )
        except SlackApiError:
            log.exception("posting the lead card for %s failed", JO["email"])
            raise
    slack.fail("chat.delete", "ratelimited", status=429, **{"Retry-After": "3"})
    report = await SlackEraser(client).erase([SlackRef("C0SALES", "1772463600.000001")])
    assert report.remaining and report.retry_after == 3

    output = stream.getvalue()
    assert leaks(output, (visitor_token,)) == []
    # Case-insensitive: "Jo@Acme-Rooms.com" masks to "J***@A***.com"; the store's
    # normalised copy (in the driver's SQL debug lines, when it logs them) to "j***@a***.com".
    assert "j***@a***.com" in output.lower(), "the e-mail was there, masked"
    assert "**00" in output, "the phone was there, masked"
    assert "[redacted]" in output
    lines = [line for line in output.splitlines() if line.strip()]
    if json_format:
        entries = [json.loads(line) for line in lines]
        assert {"time", "level", "logger", "message"} <= set(entries[0])
        assert any("conversation_id" in e for e in entries)
        assert any("exception" in e and "SlackApiError" in e["exception"] for e in entries)
    else:
        assert any("conv=" in line for line in lines)


async def test_request_id_middleware_tags_logs_and_responses(
    restore_logging: None, tmp_path: Path
) -> None:
    settings = logged_settings(tmp_path, json_format=True)
    stream = io.StringIO()
    configure_logging(settings, stream)
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        logging.getLogger("salesbot.test").warning("ping for jo@acme-rooms.com")
        return {"ok": "yes"}

    transport = httpx.ASGITransport(app=RequestIdMiddleware(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        given = await client.get("/ping", headers={"X-Request-ID": "edge-42"})
        made = await client.get("/ping", headers={"X-Request-ID": "bad id\nINJECTED"})
    assert given.headers["x-request-id"] == "edge-42"
    assert (
        made.headers["x-request-id"] != "bad id\nINJECTED"
        and len(made.headers["x-request-id"]) == 32
    )
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    entries = [e for e in entries if e["logger"] == "salesbot.test"]
    assert [e["request_id"] for e in entries] == ["edge-42", made.headers["x-request-id"]]
    assert all(e["message"] == "ping for j***@a***.com" for e in entries)


def test_settings_and_secrets_do_not_show_in_repr(tmp_path: Path) -> None:
    settings = logged_settings(tmp_path, json_format=False)
    assert leaks(repr(settings) + str(settings.secrets)) == []


def test_the_secret_generated_on_a_first_start_is_redacted_too(
    tmp_path: Path, restore_logging: None
) -> None:
    # `serve` configures logging before anything generates data_dir/secret_key; the
    # generated secret must still never be printed.
    settings = load_settings(CONFIG, {"SALESBOT_DATA_DIR": str(tmp_path / "fresh")})
    stream = io.StringIO()
    configure_logging(settings, stream)
    secret = load_secret(settings).decode()
    logging.getLogger("salesbot.test").warning("signing with %s", secret)
    assert secret not in stream.getvalue() and "signing with" in stream.getvalue()
