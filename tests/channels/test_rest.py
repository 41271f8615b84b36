"""The Rasa-compatible REST channel: contract, button payloads, auth, off without a token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.app import create_app
from bot.runtime import Runtime
from bot.settings.model import Settings
from bot.transports import webchat_of
from channels.webchat.rest import (
    RestAdapter,
    RestError,
    RestRequest,
    parse_request,
    render_replies,
    to_inbound,
)
from crm_store.clock import FakeClock
from crm_store.models import Conversation, Message
from dialogs.core.content import Content
from dialogs.core.types import Button, ChannelAddress, Reply
from dialogs.nlu import NluService
from tests.channels.webchat_support import LiveServer, live_server
from tests.conftest import MONDAY_AFTERNOON

TOKEN = "rest-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WEBHOOK = "/webhooks/rest/webhook"


# Pure translation.


def test_parse_request() -> None:
    assert parse_request(b'{"sender": "u1", "message": "hi"}') == RestRequest("u1", "hi")
    assert parse_request(b'{"sender": 42, "message": "", "metadata": {}}') == RestRequest("42", "")
    too_long = ('{"sender": "' + "s" * 201 + '", "message": "x"}').encode()
    bad_bodies = [
        b"nope",
        b"[]",
        b'{"message": "hi"}',
        b'{"sender": "", "message": "x"}',
        b'{"sender": "u", "message": 5}',
        b'{"sender": true, "message": "x"}',
        b'{"sender": "u"}',
        too_long,
    ]
    for bad in bad_bodies:
        with pytest.raises(RestError):
            parse_request(bad)


def test_payloads_are_recognised_as_clicks() -> None:
    offered = {"lead:start": "Get a quote"}
    click = to_inbound(RestRequest("u1", "lead:start"), offered)
    assert click.address == ChannelAddress("rest", "u1") and click.user_id == "u1"
    assert (click.text, click.payload) == ("Get a quote", "lead:start")
    slash = to_inbound(RestRequest("u1", "/book:start"), offered)
    assert (slash.text, slash.payload) == ("", "book:start")
    text = to_inbound(RestRequest("u1", "lead:start please"), offered)
    assert (text.text, text.payload) == ("lead:start please", None)
    assert to_inbound(RestRequest("u1", "/ a sentence with spaces"), offered).payload is None
    assert to_inbound(RestRequest("u1", "/"), offered).payload is None


def test_render_replies_in_rasa_shape() -> None:
    replies = [
        Reply("Hello"),
        Reply("Pick one", (Button("A", "a"),), (Button("Later", "later"),)),
    ]
    assert render_replies("u1", replies) == [
        {"recipient_id": "u1", "text": "Hello"},
        {
            "recipient_id": "u1",
            "text": "Pick one",
            "buttons": [{"title": "A", "payload": "a"}, {"title": "Later", "payload": "later"}],
        },
    ]


async def test_the_adapter_collects_only_for_a_waiting_request() -> None:
    adapter = RestAdapter()
    address = ChannelAddress("rest", "u1")
    assert await adapter.send(address, Reply("nobody waits")) is None  # dropped, not an error
    async with adapter.collect(address) as box:
        await adapter.send(address, Reply("one"))
        await adapter.send(ChannelAddress("rest", "u2"), Reply("not mine"))
        await adapter.send(address, Reply("rep", ()), role="agent")
    assert [r.text for r in box] == ["one", "rep"]


# Over HTTP, against the real hub.


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(
    settings: Settings,
    content: Content,
    understanding: NluService,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("rest")
    clock = FakeClock(MONDAY_AFTERNOON)
    async with live_server(
        settings, content, sqlite_template, workdir, clock, rest_token=TOKEN
    ) as s:
        yield s


async def post(
    server: LiveServer, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        if isinstance(body, bytes):
            return await http.post(WEBHOOK, content=body, headers=headers or AUTH)
        return await http.post(WEBHOOK, json=body, headers=AUTH if headers is None else headers)


async def stored(server: LiveServer, sender: str) -> list[Message]:
    async with server.runtime.uow() as uow:
        rows = await uow.session.scalars(
            select(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.channel == "rest", Conversation.chat_id == sender)
            .order_by(Message.seq)
        )
        return list(rows.all())


def assert_rasa_shape(body: Any, sender: str) -> None:
    assert isinstance(body, list) and body
    for item in body:
        assert set(item) <= {"recipient_id", "text", "buttons"}
        assert item["recipient_id"] == sender and isinstance(item["text"], str)
        for button in item.get("buttons", []):
            assert set(button) == {"title", "payload"}
            assert all(isinstance(v, str) and v for v in button.values())


@pytest.mark.asyncio(loop_scope="module")
async def test_a_message_returns_the_replies_in_rasa_shape(server: LiveServer) -> None:
    response = await post(server, {"sender": "alice", "message": "how much is the Cam 4K?"})
    assert response.status_code == 200
    body = response.json()
    assert_rasa_shape(body, "alice")
    assert "899" in " ".join(item["text"] for item in body)
    rows = await stored(server, "alice")
    assert rows[0].text == "how much is the Cam 4K?" and rows[0].role == "customer"
    assert [r.text for r in rows[1:]] == [item["text"] for item in body]


@pytest.mark.asyncio(loop_scope="module")
async def test_a_button_is_pressed_by_sending_its_payload(server: LiveServer) -> None:
    greeting = (await post(server, {"sender": "bob", "message": "hello"})).json()
    buttons = {b["payload"]: b["title"] for item in greeting for b in item.get("buttons", [])}
    assert "lead:start" in buttons
    answer = (await post(server, {"sender": "bob", "message": "lead:start"})).json()
    assert_rasa_shape(answer, "bob")
    assert any("name" in item["text"].lower() for item in answer)  # the form's first question
    click = (await stored(server, "bob"))[-len(answer) - 1]
    assert (click.payload, click.text) == ("lead:start", buttons["lead:start"])
    # Rasa's "/payload" convention works too: cancel the form with its button payload.
    cancel = (await post(server, {"sender": "bob", "message": "/lead:cancel"})).json()
    assert_rasa_shape(cancel, "bob")
    assert (await stored(server, "bob"))[-len(cancel) - 1].payload == "lead:cancel"


@pytest.mark.asyncio(loop_scope="module")
async def test_concurrent_requests_get_their_own_replies(server: LiveServer) -> None:
    same, other = await asyncio.gather(
        post(server, {"sender": "carol", "message": "how much is the Cam 4K?"}),
        post(server, {"sender": "dave", "message": "how much is the Auralis Bar?"}),
    )
    assert "899" in same.text and "1,499" not in same.text
    assert "1,499" in other.text and "899" not in other.text
    first, second = await asyncio.gather(
        post(server, {"sender": "carol", "message": "how much is the Auralis Bar?"}),
        post(server, {"sender": "carol", "message": "how much is the Speak?"}),
    )
    assert "1,499" in first.text and "249" not in first.text
    assert "249" in second.text and "1,499" not in second.text


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Basic x"}],
)
async def test_requests_without_the_token_are_refused(
    server: LiveServer, headers: dict[str, str]
) -> None:
    before = await server.message_count()
    response = await post(server, {"sender": "mallory", "message": "hi"}, headers=headers)
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert await server.message_count() == before
    async with httpx.AsyncClient(base_url=server.http) as http:
        assert (await http.get("/webhooks/rest/", headers=headers)).status_code == 401
        assert (await http.get("/webhooks/rest/", headers=AUTH)).json() == {"status": "ok"}


@pytest.mark.asyncio(loop_scope="module")
async def test_bad_bodies_get_clear_4xx(server: LiveServer) -> None:
    assert (await post(server, b"not json")).status_code == 400
    missing = await post(server, {"message": "hi"})
    assert missing.status_code == 400 and "sender" in missing.json()["detail"]
    assert (await post(server, b"x" * 20_000)).status_code == 413


async def test_without_a_configured_token_the_channel_is_off(settings: Settings) -> None:
    runtime = Runtime.create(settings)
    assert getattr(settings.secrets, "rest_token", None) is None
    app = create_app(runtime)
    webchat_of(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        sent = await http.post(WEBHOOK, json={"sender": "u", "message": "hi"}, headers=AUTH)
        assert sent.status_code == 404
        assert (await http.get("/webhooks/rest/", headers=AUTH)).status_code == 404
