"""A fake Slack Web API on 127.0.0.1 (ephemeral port), for slack_sdk's real client.

Point a client at it with ``AsyncWebClient(token=TOKEN, base_url=server.base_url)``; it
speaks HTTP like Slack (``POST /api/<method>``, JSON or form bodies, ``{"ok": ...}``
answers). Every call is recorded. Tests can queue failures per method — a 429 with
``Retry-After``, or a permanent error such as ``channel_not_found`` — and hold a method
until released (a slow Slack). Block Kit limits are checked as Slack does (more than 50
blocks or a section over 3,000 characters is ``invalid_blocks``), and channel names are
resolved to ids (``#sales`` -> ``C0SALES``). ``response_url()`` answers slash commands.

Socket Mode: ``apps.connections.open`` (with the app-level token) hands out a WebSocket on
the same server; ``push_envelope`` sends an envelope down it and ``socket_acks`` records
the acknowledgements the app sends back.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "xoxb-fake-bot-token-for-tests-only"
APP_TOKEN = "xapp-1-A0SALESBOT-fake-app-token"
BOT_USER_ID = "U0BOT0001"
BOT_ID = "B0BOT0001"
TEAM_ID = "T0TEAM001"
CHANNELS = {"#sales": "C0SALES", "#sales-managers": "C0MGRS"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    ok: bool = True
    answer: dict[str, Any] = field(default_factory=dict)


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class FakeSlack:
    host: str = "127.0.0.1"
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)  # via response_url
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    gates: dict[str, asyncio.Event] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=lambda: dict(CHANNELS))
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _port: int = 0
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))  # type: ignore[type-arg]
    _changed: asyncio.Condition | None = None

    # ── lifecycle ─────────────────────────────────────────────────────────

    async def start(self) -> FakeSlack:
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for gate in self.gates.values():
            gate.set()
        for socket in self.sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def root(self) -> str:
        return f"http://{self.host}:{self._port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/api/"

    def response_url(self, key: str = "cmd") -> str:
        return f"{self.root}/response/{key}"

    # ── what tests tell it ────────────────────────────────────────────────

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        *,
        retry_after: int | None = None,
        status: int | None = None,
        times: int = 1,
    ) -> None:
        """Queue failures: ``retry_after`` makes it a 429 with ``Retry-After``."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        code = status or (429 if retry_after is not None else 200)
        body = {"ok": False, "error": error}
        self.failures.setdefault(method, []).extend(
            Failure(code, dict(body), dict(headers)) for _ in range(times)
        )

    def hold(self, method: str) -> asyncio.Event:
        """Make ``method`` wait until the returned event is set (a slow Slack)."""
        gate = asyncio.Event()
        self.gates[method] = gate
        return gate

    # ── what tests read ───────────────────────────────────────────────────

    def of(self, method: str, *, ok: bool | None = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def posts(self, channel: str | None = None, thread_ts: str | None = None) -> list[Call]:
        """Successful chat.postMessage calls, optionally to one channel id / thread."""
        found = []
        for call in self.of("chat.postMessage"):
            if channel is not None and call.answer.get("channel") != channel:
                continue
            if thread_ts is not None and call.params.get("thread_ts") != thread_ts:
                continue
            found.append(call)
        return found

    def ephemerals(self, user: str | None = None) -> list[Call]:
        return [c for c in self.of("chat.postEphemeral") if user in (None, c.params.get("user"))]

    async def wait_for(self, method: str, count: int, within: float = 5.0) -> list[Call]:
        await self.until(lambda: len(self.of(method, ok=None)) >= count, within)
        return self.of(method, ok=None)

    async def until(self, condition: Any, within: float = 5.0) -> None:
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(condition), within)

    async def push_envelope(self, payload: dict[str, Any], kind: str = "events_api") -> str:
        """Send a Socket Mode envelope to the connected app; returns its envelope id."""
        await self.until(lambda: bool(self.sockets))
        envelope_id = f"env-{next(self._ts)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
            "payload": payload,
        }
        await self.sockets[-1].send_str(json.dumps(envelope))
        return envelope_id

    # ── the server ────────────────────────────────────────────────────────

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        else:
            form = await request.post()
            for key, value in form.items():
                text = str(value)
                if key in ("blocks", "attachments") and text.startswith("["):
                    params[key] = json.loads(text)
                else:
                    params[key] = text
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        if method in self.gates:
            await self.gates[method].wait()
        queued = self.failures.get(method)
        if queued:
            failure = queued.pop(0)
            await self._record(Call(method, params, token, ok=False, answer=failure.body))
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        if token != (APP_TOKEN if method == "apps.connections.open" else TOKEN):
            return await self._answer(Call(method, params, token), {"error": "invalid_auth"})
        answer = self._dispatch(method, params)
        return await self._answer(Call(method, params, token), answer)

    async def _answer(self, call: Call, answer: dict[str, Any]) -> web.Response:
        call.ok = "error" not in answer
        call.answer = {"ok": call.ok, **answer}
        await self._record(call)
        return web.json_response(call.answer)

    async def _record(self, call: Call) -> None:
        assert self._changed is not None
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _channel(self, name: str) -> str | None:
        if name in self.channels:
            return self.channels[name]
        if name[:1] in ("C", "D", "G") and name[1:].isalnum():
            return name
        return None

    def _dispatch(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "apps.connections.open":
            return {"url": f"ws://{self.host}:{self._port}/socket"}
        if method == "auth.test":
            return {"user_id": BOT_USER_ID, "bot_id": BOT_ID, "team_id": TEAM_ID, "user": "sb"}
        if method == "conversations.open":
            return {"channel": {"id": f"D{params.get('users', 'X')}"}}
        if method not in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            return {"error": "unknown_method"}
        channel = self._channel(str(params.get("channel", "")))
        if channel is None:
            return {"error": "channel_not_found"}
        problem = block_kit_problem(params.get("blocks"))
        if problem:
            return {"error": "invalid_blocks", "detail": problem}
        if not params.get("text") and not params.get("blocks"):
            return {"error": "no_text"}
        if method == "chat.postEphemeral":
            return {"message_ts": self._next_ts()}
        if method == "chat.update":
            return {"channel": channel, "ts": params.get("ts")}
        return {"channel": channel, "ts": self._next_ts()}

    def _next_ts(self) -> str:
        return f"1772463600.{next(self._ts):06d}"

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        assert self._changed is not None
        async with self._changed:
            self.sockets.append(socket)
            self._changed.notify_all()
        async for frame in socket:
            if frame.type == web.WSMsgType.TEXT:
                async with self._changed:
                    self.socket_acks.append(json.loads(frame.data))
                    self._changed.notify_all()
        return socket

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        body["_key"] = request.match_info["key"]
        self.responses.append(body)
        return web.json_response({"ok": True})


def block_kit_problem(blocks: Any) -> str | None:
    """What Slack would refuse in ``blocks`` (the limits salesbot must respect)."""
    if not blocks:
        return None
    if len(blocks) > 50:
        return "more than 50 blocks"
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        if block.get("type") == "section" and len(text) > 3000:
            return "section text over 3000 characters"
        if block.get("type") == "header" and len(text) > 150:
            return "header over 150 characters"
        if len(block.get("fields") or ()) > 10:
            return "more than 10 fields"
        if block.get("type") == "actions":
            elements = block.get("elements") or []
            if len(elements) > 25:
                return "more than 25 elements"
            ids = [e.get("action_id") for e in elements]
            if len(ids) != len(set(ids)):
                return "duplicate action_id"
            for element in elements:
                if len((element.get("text") or {}).get("text", "")) > 75:
                    return "button text over 75 characters"
    return None


def buttons_of(blocks: list[dict[str, Any]] | None) -> list[str]:
    """The payloads (values) of the buttons in ``blocks``."""
    return [
        str(element.get("value"))
        for block in blocks or ()
        if block.get("type") == "actions"
        for element in block.get("elements", ())
    ]


def text_of(blocks: list[dict[str, Any]] | None) -> str:
    """All the text a person would read in ``blocks``."""
    parts: list[str] = []
    for block in blocks or ():
        if isinstance(block.get("text"), dict):
            parts.append(block["text"].get("text", ""))
        for item in block.get("fields") or ():
            parts.append(item.get("text", ""))
        for element in block.get("elements") or ():
            if element.get("type") in ("mrkdwn", "plain_text"):
                parts.append(element.get("text", ""))
    return "\n".join(parts)
