"""Signed visitor tokens: who a web chat visitor is, without a server-side session table.

A token is ``v1.<payload>.<signature>``: the payload (base64url JSON) names the visitor and
when the token was issued; the signature is HMAC-SHA256 under a key derived from the server
secret for this one purpose, so a token signed by another server, or any other value signed
with the same secret, is refused. Tokens expire ``max_age`` after issue; every successful
``auth`` hands out a fresh one (rotation), so an active visitor never sees the expiry.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

log = logging.getLogger(__name__)

VERSION = "v1"
PURPOSE = b"salesbot/webchat/visitor-token/v1"
DEFAULT_MAX_AGE = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=5)


class TokenError(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # "invalid" | "expired"


@dataclass(frozen=True, slots=True)
class VisitorClaims:
    visitor_id: str
    issued_at: int  # unix seconds


def new_visitor_id() -> str:
    return "v_" + secrets.token_urlsafe(16)


class VisitorTokens:
    def __init__(
        self,
        secret: bytes,
        now: Callable[[], datetime],
        *,
        max_age: timedelta = DEFAULT_MAX_AGE,
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the web chat secret must be at least 16 bytes")
        self._key = hmac.new(secret, PURPOSE, hashlib.sha256).digest()
        self._now = now
        self.max_age = max_age

    def issue(self, visitor_id: str | None = None) -> str:
        claims = {"v": visitor_id or new_visitor_id(), "iat": int(self._now().timestamp())}
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signed = f"{VERSION}.{body}"
        return f"{signed}.{_b64(self._sign(signed))}"

    def verify(self, token: str) -> VisitorClaims:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != VERSION:
            raise TokenError("invalid", "not a visitor token")
        signed = f"{parts[0]}.{parts[1]}"
        try:
            signature = _unb64(parts[2])
            claims = json.loads(_unb64(parts[1]))
        except (ValueError, binascii.Error):
            raise TokenError("invalid", "not a visitor token") from None
        # Compare before trusting anything in the payload.
        if not hmac.compare_digest(signature, self._sign(signed)):
            raise TokenError("invalid", "the token signature does not match")
        visitor, issued = (claims.get("v"), claims.get("iat")) if isinstance(claims, dict) else ()
        if not isinstance(visitor, str) or not visitor or not isinstance(issued, int):
            raise TokenError("invalid", "the token payload is incomplete")
        now = self._now().timestamp()
        if issued > now + CLOCK_SKEW.total_seconds():
            raise TokenError("invalid", "the token was issued in the future")
        if now - issued > self.max_age.total_seconds():
            raise TokenError("expired", "the token has expired; start a new session")
        return VisitorClaims(visitor, issued)

    def _sign(self, signed: str) -> bytes:
        return hmac.new(self._key, signed.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
