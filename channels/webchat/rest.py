"""A REST channel compatible with Rasa's, so tools built for Rasa can talk to salesbot.

``POST /webhooks/rest/webhook`` with ``{"sender": "...", "message": "..."}`` answers
``[{"recipient_id": "...", "text": "...", "buttons": [{"title", "payload"}]}]`` (``buttons``
only when there are some, as Rasa does). A button is pressed by sending its payload as the
message: a message equal to a payload the bot just offered, or starting with ``/`` (Rasa's
convention), is a click. Off unless ``SALESBOT_REST_TOKEN`` is set; then every request needs
``Authorization: Bearer <token>``.

The replies must come back in the HTTP response, while the hub delivers through the outbox
after its commit. The ``rest`` adapter therefore collects what the outbox sends to an
address while that address's request is waiting (requests of one sender are handled one at
a time). A rep's message sent while no request waits stays in the transcript only: like
Rasa's, this channel cannot push.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from channels.registry import ChannelContext
from crm_store.models import Direction, Message
from dialogs.core.locks import InMemoryLocks
from dialogs.core.transcript import address_key
from dialogs.core.types import ChannelAddress, InboundMessage, Reply

CHANNEL = "rest"
MAX_BODY = 16_384
MAX_SENDER = 200
MAX_MESSAGE = 4000
MAX_PAYLOAD = 500  # the store's messages.payload column
LOOKBACK = 10  # messages searched backwards for the buttons of the bot's last turn


class RestError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class RestRequest:
    sender: str
    message: str


def parse_request(body: bytes) -> RestRequest:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise RestError('the body must be JSON: {"sender": ..., "message": ...}') from None
    if not isinstance(data, dict):
        raise RestError("the body must be a JSON object")
    sender, message = data.get("sender"), data.get("message")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER:
        raise RestError(f"sender must be a non-empty string of at most {MAX_SENDER} characters")
    if not isinstance(message, str) or len(message) > MAX_MESSAGE:
        raise RestError(f"message must be a string of at most {MAX_MESSAGE} characters")
    return RestRequest(sender, message)


def to_inbound(request: RestRequest, offered: Mapping[str, str]) -> InboundMessage:
    """``offered`` maps the payloads of the buttons the bot last showed to their titles."""
    address = ChannelAddress(CHANNEL, request.sender)
    text = request.message
    if text in offered:
        return InboundMessage(address, request.sender, offered[text], text)
    if text.startswith("/") and 1 < len(text) <= MAX_PAYLOAD and " " not in text.strip():
        return InboundMessage(address, request.sender, "", text[1:].strip())
    return InboundMessage(address, request.sender, text)


def render_replies(recipient_id: str, replies: Sequence[Reply]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for reply in replies:
        item: dict[str, Any] = {"recipient_id": recipient_id, "text": reply.text}
        buttons = (*reply.buttons, *reply.quick_replies)
        if buttons:
            item["buttons"] = [{"title": b.title, "payload": b.payload} for b in buttons]
        out.append(item)
    return out


class RestAdapter:
    name = CHANNEL

    def __init__(self) -> None:
        self._waiting: dict[ChannelAddress, list[Reply]] = {}
        self._turns = InMemoryLocks(timeout=60.0)

    @asynccontextmanager
    async def collect(self, address: ChannelAddress) -> AsyncIterator[list[Reply]]:
        """Collect what is sent to ``address`` until the block ends (one request a time)."""
        async with self._turns.hold(address):
            box: list[Reply] = []
            self._waiting[address] = box
            try:
                yield box
            finally:
                del self._waiting[address]

    async def send(self, address: ChannelAddress, reply: Reply, *, role: str = "bot") -> str | None:
        box = self._waiting.get(address)
        if box is not None:
            box.append(reply)
        return None


async def offered_buttons(ctx: ChannelContext, address: ChannelAddress) -> dict[str, str]:
    """Payload -> title of the buttons in the bot's last turn of the open conversation."""
    async with ctx.uow() as uow:
        open_conversation = await uow.conversations.open_at(address_key(address))
        if open_conversation is None:
            return {}
        conversation = open_conversation.id
        rows = await uow.session.execute(
            select(Message.direction, Message.content)
            .where(Message.conversation_id == conversation)
            .order_by(Message.seq.desc())
            .limit(LOOKBACK)
        )
        offered: dict[str, str] = {}
        for direction, content in rows:
            if direction == Direction.IN.value:
                break
            for key in ("buttons", "quick_replies"):
                for button in (content or {}).get(key, ()):
                    offered.setdefault(button["payload"], button["title"])
        return offered


def rest_router(
    ctx: ChannelContext, adapter: RestAdapter, token_of: Callable[[], str | None]
) -> APIRouter:
    """``token_of`` is asked on every request, so the token can be set after mounting."""
    router = APIRouter(tags=["rest channel"])

    def refused(request: Request) -> JSONResponse | None:
        token = token_of()
        if not token:
            # The channel is off: answer as if the route did not exist.
            return JSONResponse({"detail": "Not Found"}, 404)
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            return JSONResponse(
                {"detail": "missing or wrong bearer token"},
                401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return None

    @router.get("/webhooks/rest/", summary="Health of the REST channel (as Rasa's)")
    async def health(request: Request) -> JSONResponse:
        return refused(request) or JSONResponse({"status": "ok"})

    @router.post(
        "/webhooks/rest/webhook",
        summary="Send a message, get the bot's replies (Rasa REST channel format)",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["sender", "message"],
                            "properties": {
                                "sender": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        }
                    }
                },
            }
        },
    )
    async def webhook(request: Request) -> JSONResponse:
        problem = refused(request)
        if problem is not None:
            return problem
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"detail": f"body larger than {MAX_BODY} bytes"}, 413)
        try:
            parsed = parse_request(body)
        except RestError as exc:
            return JSONResponse({"detail": str(exc)}, 400)
        address = ChannelAddress(CHANNEL, parsed.sender)
        async with adapter.collect(address) as replies:
            inbound = to_inbound(parsed, await offered_buttons(ctx, address))
            await ctx.receive(inbound)
        return JSONResponse(render_replies(parsed.sender, replies))

    return router
