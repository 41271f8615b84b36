"""Short stand-ins for button payloads on channels with tight limits.

Telegram allows 64 bytes of callback data. A payload that does not fit (or is not ASCII) is
sent as ``h:`` + 16 hex digits of its SHA-256; when the click comes back, the hub finds the
original among the buttons it recently sent to that conversation. No table is needed: the
outbox already remembers what was offered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

PREFIX = "h:"
LIMIT = 64


def digest(payload: str) -> str:
    return PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def shorten(payload: str, limit: int = LIMIT) -> str:
    if payload.isascii() and len(payload) <= limit and not payload.startswith(PREFIX):
        return payload
    return digest(payload)


def is_short(value: str | None) -> bool:
    return bool(value) and value.startswith(PREFIX) and len(value) == len(PREFIX) + 16  # type: ignore[union-attr]


def resolve(short: str, candidates: Iterable[str]) -> str | None:
    """The candidate payload whose digest is ``short``, or None (e.g. a very old button)."""
    for candidate in candidates:
        if digest(candidate) == short:
            return candidate
    return None
