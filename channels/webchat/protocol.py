"""The web chat wire protocol: frame types and pure parse/serialise functions.

Every frame is one JSON object with a ``type``. Parsing never raises anything but
``ProtocolError``, whose ``code`` is what the client sees in an ``error`` frame, so a
malformed frame can be answered precisely and never crashes the connection handler.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dialogs.core.types import Button, ChannelAddress, InboundMessage, Reply

CHANNEL = "webchat"

# Error codes a client can receive (documented in the README).
MALFORMED_JSON = "malformed_json"
INVALID_FRAME = "invalid_frame"
UNKNOWN_TYPE = "unknown_type"
AUTH_REQUIRED = "auth_required"
INVALID_TOKEN = "invalid_token"
TOKEN_EXPIRED = "token_expired"
ORIGIN_NOT_ALLOWED = "origin_not_allowed"
FRAME_TOO_LARGE = "frame_too_large"
RATE_LIMITED = "rate_limited"
TOO_MANY_CONNECTIONS = "too_many_connections"
SERVER_ERROR = "server_error"

# WebSocket close codes. 4000-4999 are free for applications; 4001 mirrors HTTP 401.
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_TRY_LATER = 1013
CLOSE_UNAUTHORIZED = 4001

MAX_TEXT = 2000
MAX_PAYLOAD = 500  # the store's messages.payload column
MAX_TITLE = 200
_CLIENT_MSG_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class ProtocolError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# Client -> server frames.


@dataclass(frozen=True, slots=True)
class AuthFrame:
    token: str
    last_seq: int = 0
    conversation: int | None = None
    lang: str | None = None  # the page's language, a hint for a new conversation
    timezone: str | None = None  # the browser's IANA zone, so booking need not ask it


@dataclass(frozen=True, slots=True)
class MessageFrame:
    text: str
    client_msg_id: str


@dataclass(frozen=True, slots=True)
class ClickFrame:
    payload: str
    title: str
    client_msg_id: str


ClientFrame = AuthFrame | MessageFrame | ClickFrame


# Server -> client frames.


@dataclass(frozen=True, slots=True)
class ServerMessage:
    seq: int
    role: str
    text: str
    buttons: tuple[Button, ...] = ()
    quick_replies: tuple[Button, ...] = ()
    client_msg_id: str | None = None  # on the echo of the customer's own message


@dataclass(frozen=True, slots=True)
class Typing:
    on: bool


@dataclass(frozen=True, slots=True)
class ErrorFrame:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Ready:
    """Sent after a good ``auth``: messages with ``seq > resume_from`` follow, in order.

    ``resume_from`` is lower than the client's ``last_seq`` when the server cannot honour it
    (another conversation, or a store that was reset): the client then drops what it shows
    after ``resume_from``. ``token`` is a freshly signed token that replaces the old one.
    """

    conversation: int | None
    resume_from: int
    token: str | None = None


ServerFrame = ServerMessage | Typing | ErrorFrame | Ready


def parse_client_frame(raw: str | bytes) -> ClientFrame:
    """One received WebSocket message -> a client frame, or ``ProtocolError``."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(MALFORMED_JSON, "frames are UTF-8 JSON text") from None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ProtocolError(MALFORMED_JSON, "the frame is not valid JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError(INVALID_FRAME, "a frame is a JSON object with a type")
    kind = data.get("type")
    if kind == "auth":
        last_seq = data.get("last_seq", 0)
        conversation = data.get("conversation")
        if not _is_int(last_seq) or last_seq < 0:
            raise ProtocolError(INVALID_FRAME, "last_seq must be a non-negative integer")
        if conversation is not None and not _is_int(conversation):
            raise ProtocolError(INVALID_FRAME, "conversation must be an integer or null")
        lang = _text(data, "lang", 16) or None
        token = _text(data, "token", 1000, required=True)
        timezone = _zone(_text(data, "timezone", 64))
        return AuthFrame(token, last_seq, conversation, lang, timezone)
    if kind == "message":
        text = _text(data, "text", MAX_TEXT, required=True)
        if not text.strip():
            raise ProtocolError(INVALID_FRAME, "text must not be empty")
        return MessageFrame(text, _client_msg_id(data))
    if kind == "click":
        payload = _text(data, "payload", MAX_PAYLOAD, required=True)
        return ClickFrame(payload, _text(data, "title", MAX_TITLE), _client_msg_id(data))
    if not isinstance(kind, str):
        raise ProtocolError(INVALID_FRAME, "a frame needs a string type")
    raise ProtocolError(UNKNOWN_TYPE, f"unknown frame type {kind[:40]!r}")


def _zone(name: str) -> str | None:
    """A browser zone zoneinfo knows; anything else is dropped, not refused: only a hint."""
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def serialise(frame: ServerFrame) -> str:
    if isinstance(frame, ServerMessage):
        body: dict[str, Any] = {
            "type": "message",
            "seq": frame.seq,
            "role": frame.role,
            "text": frame.text,
            "buttons": [asdict(b) for b in frame.buttons],
            "quick_replies": [asdict(b) for b in frame.quick_replies],
        }
        if frame.client_msg_id is not None:
            body["client_msg_id"] = frame.client_msg_id
    elif isinstance(frame, Typing):
        body = {"type": "typing", "on": frame.on}
    elif isinstance(frame, ErrorFrame):
        body = {"type": "error", "code": frame.code, "message": frame.message}
    else:
        body = {
            "type": "ready",
            "conversation": frame.conversation,
            "resume_from": frame.resume_from,
        }
        if frame.token is not None:
            body["token"] = frame.token
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def to_inbound(
    frame: MessageFrame | ClickFrame,
    visitor_id: str,
    language_hint: str | None = None,
    timezone_hint: str | None = None,
) -> InboundMessage:
    """A client frame -> the hub's ``InboundMessage``.

    The dedupe id is scoped to the visitor, so two visitors' ``client_msg_id`` values can
    never collide (nor can one visitor suppress another's message by guessing ids).
    """
    address = ChannelAddress(CHANNEL, visitor_id)
    message_id = f"{visitor_id}:{frame.client_msg_id}"
    if isinstance(frame, ClickFrame):
        text, payload = frame.title, frame.payload
    else:
        text, payload = frame.text, None
    return InboundMessage(
        address,
        visitor_id,
        text,
        payload,
        message_id,
        language_hint=language_hint,
        timezone_hint=timezone_hint,
    )


def message_frame(
    seq: int, role: str, reply: Reply, channel_message_id: str | None, visitor_id: str
) -> ServerMessage:
    """A stored message -> the frame every open tab of the visitor receives."""
    client_msg_id = None
    prefix = f"{visitor_id}:"
    if role == "customer" and channel_message_id and channel_message_id.startswith(prefix):
        client_msg_id = channel_message_id[len(prefix) :]
    return ServerMessage(
        seq, role, reply.text, reply.buttons, reply.quick_replies, client_msg_id=client_msg_id
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(data: dict[str, Any], key: str, limit: int, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise ProtocolError(INVALID_FRAME, f"{key} must be a non-empty string")
    if len(value) > limit:
        raise ProtocolError(INVALID_FRAME, f"{key} is longer than {limit} characters")
    return value


def _client_msg_id(data: dict[str, Any]) -> str:
    value = data.get("client_msg_id")
    if not isinstance(value, str) or not _CLIENT_MSG_ID.match(value):
        raise ProtocolError(
            INVALID_FRAME, "client_msg_id must be 1-64 characters of letters, digits, _ . : -"
        )
    return value
