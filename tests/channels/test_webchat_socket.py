"""The web chat WebSocket against a real uvicorn server on 127.0.0.1 (issue #4).

One server per module (starting the hub loads the NLU models); every test uses visitors of
its own, and a bystander visitor checks that refusing one client never disturbs another.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from bot.app import TRANSPORT_FRAME_FACTOR
from bot.secret_key import load_secret
from bot.settings.model import Settings
from channels.webchat.connections import WebchatLimits
from channels.webchat.tokens import VisitorTokens
from crm_store.clock import FakeClock
from dialogs.core.content import Content
from dialogs.nlu import NluService
from tests.channels.webchat_support import Client, LiveServer, live_server, messages, seqs
from tests.conftest import MONDAY_AFTERNOON

pytestmark = pytest.mark.asyncio(loop_scope="module")

LIMITS = WebchatLimits(connections_per_ip=12, messages_per_second=5, message_burst=10)
_ids = itertools.count(1)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(
    settings: Settings,
    content: Content,
    understanding: NluService,  # trains the models once, so the server only loads them
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[LiveServer]:
    clock = FakeClock(MONDAY_AFTERNOON)
    workdir = tmp_path_factory.mktemp("webchat")
    async with live_server(settings, content, sqlite_template, workdir, clock, limits=LIMITS) as s:
        yield s


async def new_token(server: LiveServer, previous: str | None = None) -> str:
    async with httpx.AsyncClient(base_url=server.http) as http:
        body = {"token": previous} if previous else {}
        response = await http.post("/webchat/session", json=body)
    assert response.status_code == 200
    return str(response.json()["token"])


def visitor_of(server: LiveServer, token: str) -> str:
    return server.channel.tokens.verify(token).visitor_id


def msg(text: str) -> dict[str, str]:
    return {"type": "message", "text": text, "client_msg_id": f"m{next(_ids)}"}


@pytest_asyncio.fixture(loop_scope="module")
async def bystander(server: LiveServer) -> AsyncIterator[Client]:
    """Another visitor, connected throughout; ``assert_unaffected`` proves it still works."""
    token = await new_token(server)
    async with Client.connect(server.ws) as client:
        assert (await client.auth(token))["type"] == "ready"
        yield client


async def assert_unaffected(client: Client) -> None:
    frames = await client.turn(msg("how much is the Cam 4K?"))
    roles = [f["role"] for f in messages(frames)]
    assert roles[0] == "customer" and "bot" in roles, frames
    assert "899" in " ".join(f["text"] for f in messages(frames))


async def test_a_turn_echoes_the_customer_and_answers_in_seq_order(server: LiveServer) -> None:
    token = await new_token(server)
    async with Client.connect(server.ws) as client:
        ready = await client.auth(token)
        assert ready["type"] == "ready" and ready["conversation"] is None
        assert ready["resume_from"] == 0
        assert visitor_of(server, ready["token"]) == visitor_of(server, token)  # re-signed
        frame = msg("how much is the Cam 4K?")
        frames = await client.turn(frame)
    assert frames[0] == {"type": "typing", "on": True}
    switch = next(f for f in frames if f["type"] == "ready")
    got = messages(frames)
    assert got[0]["role"] == "customer" and got[0]["client_msg_id"] == frame["client_msg_id"]
    assert got[0]["text"] == "how much is the Cam 4K?"
    assert [f["role"] for f in got[1:]] == ["bot"] * (len(got) - 1) and len(got) >= 2
    assert "899" in got[1]["text"]
    assert seqs(frames) == list(range(1, len(got) + 1))
    stored = await server.customer_messages(visitor_of(server, token))
    assert [m.text for m in stored] == ["how much is the Cam 4K?"]
    assert stored[0].conversation_id == switch["conversation"]


async def test_resume_after_a_drop_returns_exactly_the_missed_messages(server: LiveServer) -> None:
    token = await new_token(server)
    async with Client.connect(server.ws) as tab:
        await tab.auth(token)
        first = await tab.say("hello", "r1")
    conversation = next(f["conversation"] for f in first if f["type"] == "ready")
    seen = max(seqs(first))
    # While the first tab is gone: the visitor talks in a second tab, and a rep answers.
    async with Client.connect(server.ws) as other:
        await other.auth(token, last_seq=seen, conversation=conversation)
        missed_turn = await other.say("how much is the Auralis Bar?", "r2")
    await server.rep_says(conversation, "Hi, this is Dana from sales.")
    missed = seqs(missed_turn) + [max(seqs(missed_turn)) + 1]

    async with Client.connect(server.ws) as tab:
        ready = await tab.auth(token, last_seq=seen, conversation=conversation)
        assert ready["resume_from"] == seen and ready["conversation"] == conversation
        replay = [await tab.recv() for _ in missed]
        assert seqs(replay) == missed
        assert (
            replay[-1]["role"] == "agent" and replay[-1]["text"] == "Hi, this is Dana from sales."
        )
        assert replay[0]["client_msg_id"] == "r2"
        # Nothing else was queued: the next frames belong to the next turn.
        after = await tab.say("thanks", "r3")
        assert seqs(after)[0] == missed[-1] + 1


async def test_a_rep_message_reaches_every_open_tab_as_it_is_sent(server: LiveServer) -> None:
    token = await new_token(server)
    async with Client.connect(server.ws) as a, Client.connect(server.ws) as b:
        await a.auth(token)
        await b.auth(token)
        frames = await a.say("hello", "t1")
        conversation = next(f["conversation"] for f in frames if f["type"] == "ready")
        in_b = [await b.recv() for _ in range(len(frames) + 1)]  # + typing off
        assert seqs(in_b) == seqs(frames)  # the other tab saw the echo and the replies
        await server.rep_says(conversation, "A rep here.")
        for tab in (a, b):
            frame = await tab.recv()
            assert frame["role"] == "agent" and frame["text"] == "A rep here."
            assert frame["seq"] == max(seqs(frames)) + 1


async def test_a_resent_client_msg_id_is_stored_once(server: LiveServer) -> None:
    token = await new_token(server)
    frame = msg("do you ship to Canada?")
    async with Client.connect(server.ws) as client:
        await client.auth(token)
        first = await client.turn(frame)
        again = await client.turn(frame)
    assert messages(again) == [] and len(messages(first)) >= 2
    # After a drop the widget resends what it has not seen echoed: still one message.
    async with Client.connect(server.ws) as client:
        ready = await client.auth(token, last_seq=max(seqs(first)), conversation=None)
        replay = [await client.recv() for _ in seqs(first)]  # other conversation id: from 0
        assert ready["resume_from"] == 0 and seqs(replay) == seqs(first)
        assert messages(await client.turn(frame)) == []
    stored = await server.customer_messages(visitor_of(server, token))
    assert [m.text for m in stored] == ["do you ship to Canada?"]


async def test_a_bad_origin_is_refused_with_1008(server: LiveServer, bystander: Client) -> None:
    async with Client.connect(server.ws, origin="https://evil.example") as client:
        code, frames = await client.closed()
    assert code == 1008
    assert frames == [
        {"type": "error", "code": "origin_not_allowed", "message": frames[0]["message"]}
    ]
    # The configured origins and the app's own origin are let in.
    for origin in ("http://localhost:8000", server.http):
        async with Client.connect(server.ws, origin=origin) as client:
            assert (await client.auth(await new_token(server)))["type"] == "ready"
    await assert_unaffected(bystander)


@pytest.mark.parametrize("kind", ["garbage", "tampered", "foreign", "expired", "not_auth"])
async def test_bad_tokens_are_refused_with_4001(
    server: LiveServer, bystander: Client, kind: str
) -> None:
    good = await new_token(server)
    head, body, signature = good.split(".")
    now = server.runtime.clock.now
    token = {
        "garbage": "hello",
        "tampered": f"{head}.{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{signature}",
        "foreign": VisitorTokens(b"another server's secret key", now).issue(),
        "expired": VisitorTokens(
            load_secret(server.runtime.settings), lambda: now() - timedelta(days=31)
        ).issue(visitor_of(server, good)),
        "not_auth": None,
    }[kind]
    async with Client.connect(server.ws) as client:
        if token is None:
            await client.send(msg("hi, no auth"))
        else:
            await client.send({"type": "auth", "token": token, "last_seq": 0})
        code, frames = await client.closed()
    assert code == 4001
    expected = {"expired": "token_expired", "not_auth": "auth_required"}.get(kind, "invalid_token")
    assert [f["code"] for f in frames] == [expected]
    await assert_unaffected(bystander)


async def test_an_oversize_frame_closes_1009_and_stores_nothing(
    server: LiveServer, bystander: Client
) -> None:
    token = await new_token(server)
    before = await server.message_count()
    limit = server.runtime.settings.channels.webchat.max_frame_bytes
    async with Client.connect(server.ws) as client:
        await client.auth(token)
        await client.send(msg("x" * limit))
        code, frames = await client.closed()
    assert code == 1009
    assert [f.get("code") for f in frames] == ["frame_too_large"]
    await assert_unaffected(bystander)
    assert await server.customer_messages(visitor_of(server, token)) == []
    assert await server.message_count() > before  # only the bystander's turn was stored


async def test_a_frame_over_the_transport_limit_is_refused_unread_and_stores_nothing(
    server: LiveServer, bystander: Client
) -> None:
    # Far over the web chat's limit, uvicorn itself closes with 1009 before buffering it.
    token = await new_token(server)
    limit = server.runtime.settings.channels.webchat.max_frame_bytes
    async with Client.connect(server.ws) as client:
        await client.auth(token)
        await client.send(msg("x" * limit * (TRANSPORT_FRAME_FACTOR + 1)))
        code, frames = await client.closed()
    assert code == 1009 and frames == []
    await assert_unaffected(bystander)
    assert await server.customer_messages(visitor_of(server, token)) == []


async def test_malformed_json_gets_an_error_frame_and_the_socket_lives_on(
    server: LiveServer, bystander: Client
) -> None:
    async with Client.connect(server.ws) as client:
        await client.auth(await new_token(server))
        for bad, code in [
            ("{not json", "malformed_json"),
            ("[1, 2]", "invalid_frame"),
            ('{"type": "dance"}', "unknown_type"),
            ('{"type": "message", "text": "hi"}', "invalid_frame"),
            ('{"type": "auth", "token": "x"}', "invalid_frame"),
            (b"\xff\xfe", "malformed_json"),
        ]:
            await client.connection.send(bad)
            frame = await client.recv()
            assert frame["type"] == "error" and frame["code"] == code, (bad, frame)
        await assert_unaffected(client)
    await assert_unaffected(bystander)


async def test_flooding_is_rate_limited_and_then_cut_off(
    server: LiveServer, bystander: Client
) -> None:
    token = await new_token(server)
    async with Client.connect(server.ws) as client:
        await client.auth(token)
        for i in range(80):
            await client.send({"type": "message", "text": f"spam {i}", "client_msg_id": f"f{i}"})
        code, frames = await client.closed(within=30)
    assert code == 1008
    limited = [f for f in frames if f["type"] == "error" and f["code"] == "rate_limited"]
    # Closed after flood_close_after refusals in a row (a refill in between restarts the count).
    assert len(limited) >= LIMITS.flood_close_after - 1
    stored = await server.customer_messages(visitor_of(server, token))
    # The burst plus what refilled meanwhile (5/s); far fewer than the 80 sent.
    assert LIMITS.message_burst <= len(stored) < 30
    await assert_unaffected(bystander)


async def test_the_per_ip_connection_cap(server: LiveServer, bystander: Client) -> None:
    registry = server.channel.registry
    cap = LIMITS.connections_per_ip
    await server.wait_until(lambda: registry.connections_from("127.0.0.1") == 1)
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(Client.connect(server.ws)) for _ in range(cap - 1)
        ]
        await server.wait_until(lambda: registry.connections_from("127.0.0.1") == cap)
        async with Client.connect(server.ws) as refused:
            code, frames = await refused.closed()
        assert code == 1013 and [f["code"] for f in frames] == ["too_many_connections"]
        await clients[0].connection.close()
        await server.wait_until(lambda: registry.connections_from("127.0.0.1") == cap - 1)
        async with Client.connect(server.ws) as admitted:
            assert (await admitted.auth(await new_token(server)))["type"] == "ready"
    await assert_unaffected(bystander)


async def test_session_endpoint_keeps_a_returning_visitor(server: LiveServer) -> None:
    first = await new_token(server)
    again = await new_token(server, previous=first)
    assert visitor_of(server, again) == visitor_of(server, first)
    stranger = await new_token(server, previous=first[:-3] + "abc")
    assert visitor_of(server, stranger) != visitor_of(server, first)
    async with httpx.AsyncClient(base_url=server.http) as http:
        allowed = await http.post(
            "/webchat/session", content="", headers={"Origin": "http://localhost:8000"}
        )
        other = await http.post("/webchat/session", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:8000"
    assert "access-control-allow-origin" not in other.headers
    assert allowed.json()["returning"] is False and allowed.headers["cache-control"] == "no-store"


async def test_several_visitors_talk_at_once(server: LiveServer) -> None:
    tokens = [await new_token(server) for _ in range(3)]

    async def talk(token: str, question: str) -> list[int]:
        async with Client.connect(server.ws) as client:
            await client.auth(token)
            return seqs(await client.say(question, "c1"))

    results = await asyncio.gather(*(talk(t, "how much is the Cam 4K?") for t in tokens))
    for result in results:
        assert result[:2] == [1, 2]


@pytest.mark.parametrize("step", ["resume_point", "flush"])
async def test_a_store_failure_during_auth_is_reported_not_crashed(
    server: LiveServer, bystander: Client, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    async def broken(*_: object) -> None:
        raise ConnectionError("database is down")

    monkeypatch.setattr(server.channel.feed, step, broken)
    token = await new_token(server)
    async with Client.connect(server.ws) as client:
        await client.send({"type": "auth", "token": token, "last_seq": 0})
        code, frames = await client.closed()
    assert code == 1011 and frames[-1]["code"] == "server_error"
    monkeypatch.undo()
    assert server.channel.registry.get(visitor_of(server, token)) is None  # nothing leaked
    await assert_unaffected(bystander)


async def test_a_rep_message_committed_while_a_turn_ends_is_not_lost(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = server.channel.feed
    follow = feed.follow
    conversations: list[int] = []

    async def follow_then_rep_answers(visitor, conversation_id):  # noqa: ANN001, ANN202
        await follow(visitor, conversation_id)
        if not conversations and conversation_id is not None:
            conversations.append(conversation_id)
            await server.rep_says(conversation_id, "Dana here, right on cue.")

    monkeypatch.setattr(feed, "follow", follow_then_rep_answers)
    async with Client.connect(server.ws) as client:
        await client.auth(await new_token(server))
        frames = await client.say("hello", "q1")
        while not any(f.get("role") == "agent" for f in frames):
            frames.append(await client.recv())  # fails by timeout if the message is stuck
    agent = [f for f in messages(frames) if f["role"] == "agent"]
    assert [f["text"] for f in agent] == ["Dana here, right on cue."]
    assert seqs(frames) == sorted(set(seqs(frames)))  # in order, each once
