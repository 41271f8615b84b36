"""The shared fake Slack Web API (``tests/fakes/slack_api.py``), plus what erasure needs.

The shared fake answers calls without keeping messages. Erasure must see what is in a
channel, so this subclass keeps every message (salesbot's posts, and people's messages put
in with ``post(..., user=...)``) and adds ``chat.delete``, a stateful ``chat.update`` and
``conversations.replies`` (which slack_sdk sends as GET), with Slack's errors: a bot may
only delete or edit its own messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.slack_api import BOT_ID, TOKEN
from tests.fakes.slack_api import FakeSlack as SharedFakeSlack

__all__ = ["BOT_ID", "TOKEN", "FakeSlack", "running_fake_slack"]


@dataclass
class FakeSlack(SharedFakeSlack):
    # channel id -> ts -> message
    messages: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    async def start(self) -> FakeSlack:
        # The shared fake's server, with GET routed too (conversations.replies).
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        app.router.add_get("/api/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    @property
    def url(self) -> str:
        return self.base_url

    # ── what tests do and read ────────────────────────────────────────────

    def post(
        self, channel: str, text: str, *, thread_ts: str | None = None, user: str | None = None
    ) -> str:
        """Put a message in directly: salesbot's, or a person's with ``user=``."""
        ts = self._next_ts()
        self._keep(self._channel(channel) or channel, ts, text, thread_ts, user)
        return ts

    def fail(self, method: str, error: str, *, status: int = 200, **headers: str) -> None:
        retry = headers.get("Retry-After")
        self.fail_next(method, error, retry_after=int(retry) if retry else None, status=status)

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.of(method, ok=None)]

    def texts(self) -> list[str]:
        return [m["text"] for channel in self.messages.values() for m in channel.values()]

    # ── the added methods ─────────────────────────────────────────────────

    def _dispatch(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(params.get("channel", "")))
        found = self.messages.get(channel or "", {}).get(str(params.get("ts")))
        if method == "chat.delete":
            if found is None:
                return {"error": "message_not_found"}
            if "bot_id" not in found:
                return {"error": "cant_delete_message"}
            del self.messages[channel][found["ts"]]  # type: ignore[index]
            return {"channel": channel, "ts": found["ts"]}
        if method == "chat.update":
            if found is None:
                return {"error": "message_not_found"}
            if "bot_id" not in found:
                return {"error": "cant_update_message"}
            found["text"] = params.get("text", "")
        if method == "conversations.replies":
            if found is None:
                return {"error": "thread_not_found"}
            thread = [
                m
                for m in self.messages[channel].values()  # type: ignore[index]
                if m["ts"] == found["ts"] or m.get("thread_ts") == found["ts"]
            ]
            return {"messages": sorted(thread, key=lambda m: m["ts"]), "has_more": False}
        answer = super()._dispatch(method, params)
        if method == "chat.postMessage" and "error" not in answer:
            self._keep(
                answer["channel"], answer["ts"], params.get("text", ""), params.get("thread_ts")
            )
        return answer

    def _keep(
        self, channel: str, ts: str, text: str, thread_ts: str | None, user: str | None = None
    ) -> None:
        message: dict[str, Any] = {"ts": ts, "text": text}
        if user:
            message["user"] = user
        else:
            message["bot_id"] = BOT_ID
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.messages.setdefault(channel, {})[ts] = message


@asynccontextmanager
async def running_fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    try:
        yield fake
    finally:
        await fake.stop()
