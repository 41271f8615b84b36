"""A fake Telegram Bot API server on 127.0.0.1 (ephemeral port), for aiogram's real client.

aiogram is pointed at it with ``TelegramAPIServer.from_base(server.base_url)`` and talks
HTTP to it exactly as to Telegram (``POST /bot<token>/<method>``, form-encoded, JSON fields).
Every call is recorded; errors such as 429 with ``retry_after`` can be queued per method;
``getUpdates`` long-polls a queue that tests fill with ``push``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 7_000_000_001
BOT_USERNAME = "auralis_sales_bot"
TOKEN = f"{BOT_ID}:AAH-fake-token-for-tests-only-0123456789"
_JSON_FIELDS = {
    "reply_markup",
    "commands",
    "scope",
    "allowed_updates",
    "link_preview_options",
    "reply_parameters",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str


@dataclass
class FakeTelegram:
    host: str = "127.0.0.1"
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    confirmed_offset: int = 0
    errors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    _closing: bool = False
    _port: int = 0
    _changed: asyncio.Condition | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1001))  # type: ignore[type-arg]

    # ── lifecycle ─────────────────────────────────────────────────────────

    async def start(self) -> FakeTelegram:
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._closing = True  # ends a long poll in progress instead of waiting it out
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._port}"

    # ── what tests tell it ────────────────────────────────────────────────

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": error_code,
            "description": description
            or (f"Too Many Requests: retry after {retry_after}" if retry_after else "Bad Request"),
        }
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        self.errors.setdefault(method, []).extend(dict(body) for _ in range(times))

    async def push(self, *updates: dict[str, Any]) -> None:
        """Queue updates for getUpdates (long polling)."""
        assert self._changed is not None
        async with self._changed:
            self.updates.extend(updates)
            self._changed.notify_all()

    # ── what tests read ───────────────────────────────────────────────────

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Parameters of successful sendMessage calls (optionally to one chat)."""
        return [
            c.params
            for c in self.calls
            if c.method == "sendMessage"
            and c.params.get("_ok")
            and (chat_id is None or int(c.params["chat_id"]) == chat_id)
        ]

    async def wait_for(self, method: str, count: int, within: float = 10.0) -> list[Call]:
        """Wait (on an event, not a sleep loop) until ``count`` calls of ``method`` arrived."""
        assert self._changed is not None

        def enough() -> bool:
            return len(self.of(method)) >= count

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(enough), within)
        return self.of(method)

    async def wait_confirmed(self, update_id: int, within: float = 10.0) -> None:
        """Wait until the bot confirmed ``update_id`` (its next getUpdates offset is past it)."""
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: self.confirmed_offset > update_id), within
            )

    # ── the API ───────────────────────────────────────────────────────────

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            text = str(value)
            params[key] = json.loads(text) if key in _JSON_FIELDS else text
        call = Call(method, params, request.match_info["token"])
        if method == "getUpdates":
            body = await self._get_updates(params)
        elif self.errors.get(method):
            body = self.errors[method].pop(0)
        else:
            result = self._result(method, params)
            body = {"ok": True, "result": result}
            params["_ok"] = True
            if method == "sendMessage":
                params["_message_id"] = result["message_id"]
        assert self._changed is not None
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return web.json_response(body, status=body.get("error_code", 200))

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Auralis",
                "username": BOT_USERNAME,
                "can_join_groups": True,
            }
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            message: dict[str, Any] = {
                "message_id": next(self._ids),
                "date": 1772463600,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Auralis"},
                "text": params.get("text", ""),
            }
            if "message_thread_id" in params:
                message["message_thread_id"] = int(params["message_thread_id"])
                message["is_topic_message"] = True
            markup = params.get("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                message["reply_markup"] = markup
            return message
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True  # setWebhook, deleteWebhook, setMyCommands, answerCallbackQuery, ...

    async def _get_updates(self, params: dict[str, Any]) -> dict[str, Any]:
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        assert self._changed is not None
        async with self._changed:
            if offset:
                # Telegram forgets everything before the offset: it is confirmed.
                self.confirmed_offset = max(self.confirmed_offset, offset)
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                self._changed.notify_all()

            def available() -> bool:
                return bool(self.updates) or self._closing

            try:
                await asyncio.wait_for(self._changed.wait_for(available), timeout)
            except TimeoutError:
                pass
            return {"ok": True, "result": self.updates[:100]}
