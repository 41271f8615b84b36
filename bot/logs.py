"""Logging that never prints a secret, masks personal data and says which request it was.

- Secrets: a Telegram token sits inside every Bot API URL, so libraries that log request
  URLs would leak it; every configured secret value is replaced wherever it appears, and
  anything shaped like a credential (bearer tokens, Slack and Telegram tokens, visitor
  tokens) is removed even when it is not configured here.
- Personal data: e-mail addresses and phone numbers are masked (``bot.privacy.masking``).
- Context: ``request_id`` (set by ``RequestIdMiddleware``) and ``conversation_id`` (set by
  the hub) ride along in context variables, in text and in JSON lines
  (``logging.json_format: true``) alike.

Filters sit on the handler, not on loggers, so records of every library pass through them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from bot.privacy.masking import REDACTED, scrub
from bot.secret_key import load_secret
from bot.settings.model import Settings

__all__ = ["REDACTED", "RedactSecrets", "RequestIdMiddleware", "configure_logging"]

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
conversation_id: ContextVar[int | None] = ContextVar("conversation_id", default=None)


def bind_conversation(value: int | None) -> None:
    """Tag the log lines that follow (in this task) with a conversation id."""
    conversation_id.set(value)


class RedactSecrets(logging.Filter):
    """Scrubs each record: configured secrets, credential shapes, e-mails and phones."""

    def __init__(self, secrets: Iterable[str], *, mask_personal: bool = True) -> None:
        super().__init__()
        # Longest first, so a secret containing another is replaced whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)
        self._mask = mask_personal

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return scrub(text) if self._mask else text

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_salesbot_scrubbed", False):
            return True  # a second handler sees the record already cleaned
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not hide the line
            message = f"{record.msg!r} {record.args!r}"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        # The traceback is now text; the live exception (and its arguments) must not be
        # formatted again by a handler downstream.
        record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        record._salesbot_scrubbed = True
        return True


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.conversation_id = conversation_id.get()
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        parts = []
        if getattr(record, "request_id", None):
            parts.append(f"req={record.request_id}")
        if getattr(record, "conversation_id", None) is not None:
            parts.append(f"conv={record.conversation_id}")
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers (Loki, Elasticsearch, CloudWatch)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "conversation_id"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_text:
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def secret_values(settings: Settings) -> list[str]:
    values = [
        secret.get_secret_value()
        for secret in settings.secrets.model_dump().values()
        if secret is not None
    ]
    if settings.secrets.secret_key is None:
        # The generated server secret, through the one function that makes it: logging is
        # configured before anything else, so on a first start it is generated here.
        try:
            values.append(load_secret(settings).decode())
        except (OSError, ValueError):
            pass  # unreadable or unusable: whoever needs it next reports the problem
    return [v for v in values if v]


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> RedactSecrets:
    redactor = RedactSecrets(secret_values(settings))
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.logging.json_format else TextFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(redactor)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.logging.level)
    return redactor


_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
HEADER = b"x-request-id"


class RequestIdMiddleware:
    """ASGI middleware: a request id per HTTP request or WebSocket, in logs and responses.

    A well-formed incoming ``X-Request-ID`` (from a proxy) is kept so lines correlate
    across systems; anything else is replaced, so a caller cannot inject text into logs.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(HEADER, b"").decode("latin-1")
        rid = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        request_token = request_id.set(rid)
        conversation_token = conversation_id.set(None)

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                headers.append((HEADER, rid.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(request_token)
            conversation_id.reset(conversation_token)
