"""Signing outgoing webhooks, and the check a receiver runs (standard library only).

Header: ``X-Salesbot-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``.
The timestamp is inside the signed text, so a captured request cannot be replayed later
than the receiver's tolerance; the event id (header ``X-Salesbot-Event-Id`` and ``id`` in
the body) stays the same across retries, so receivers deduplicate on it.

``verify_signature`` is deliberately self-contained: receivers may copy it as it is.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Salesbot-Signature"
EVENT_ID_HEADER = "X-Salesbot-Event-Id"
EVENT_TYPE_HEADER = "X-Salesbot-Event-Type"
DEFAULT_TOLERANCE = 300  # seconds


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value for a body sent at ``timestamp`` (unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    secret: str,
    body: bytes,
    header: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> bool:
    """Whether ``header`` is a valid salesbot signature of the raw ``body`` bytes.

    Pass the body exactly as received (before any JSON parsing). Several ``v1=`` values
    are accepted so a secret can be rotated without downtime.
    """
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
