"""Sessions, CSRF tokens and the viewer: who is looking at the dashboard, and what they see.

The session is a cookie signed with ``SALESBOT_SECRET_KEY`` (itsdangerous, timestamped, so
it expires server-side after ``session_hours`` whatever the browser keeps). It holds the
user id and a CSRF token; every form carries the token and every POST is refused without
the matching one. A visitor who is not logged in gets a session with only a CSRF token, so
the login form is protected too. The user is re-read on every request: disabling a user
or locking them out ends their sessions at once.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request, Response, status
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import ColumnElement

from bot.api.auth import Principal
from crm_store.clock import Clock
from crm_store.models.api import TokenRole

log = logging.getLogger(__name__)
COOKIE = "salesbot_admin"
LANG_COOKIE = "salesbot_lang"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Viewer:
    """A logged-in user. Reps see their own work; managers and admins see everything."""

    user_id: int
    username: str
    role: str
    rep_id: int | None
    csrf: str

    @property
    def is_rep(self) -> bool:
        return self.role == "rep"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> str:
        return f"user:{self.username}"

    @property
    def own_rep(self) -> int | None:
        """The rep filter every report applies: the rep's own id, or none for managers."""
        return self.rep_id if self.is_rep else None

    def principal(self) -> Principal:
        # The API's row filters, so the dashboard and the API scope a rep identically.
        role = TokenRole.REP if self.is_rep else TokenRole.MANAGER
        return Principal(None, role, self.rep_id)

    def conversations(self) -> ColumnElement[bool]:
        return self.principal().conversations()

    def leads(self) -> ColumnElement[bool]:
        return self.principal().leads()


class _ClockSigner(TimestampSigner):
    """Timestamps from the injected clock, so session expiry follows the app's time."""

    clock: Clock

    def get_timestamp(self) -> int:
        return int(self.clock.now().timestamp())


class Sessions:
    def __init__(self, secret: str, hours: int, secure: bool, clock: Clock) -> None:
        # ``secret`` is bot.secret_key.load_secret's: never empty, and kept across restarts.
        signer = type("Signer", (_ClockSigner,), {"clock": clock})
        self._signer = URLSafeTimedSerializer(
            secret, salt="salesbot.dashboard.session", signer=signer
        )
        self.max_age = hours * 3600
        self.secure = secure

    def read(self, request: Request) -> dict[str, Any]:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return {}
        try:
            data = self._signer.loads(raw, max_age=self.max_age)
        except BadSignature:  # also expired (SignatureExpired is a subclass)
            return {}
        return data if isinstance(data, dict) else {}

    def write(self, response: Response, data: dict[str, Any]) -> None:
        response.set_cookie(
            COOKIE,
            self._signer.dumps(data),
            max_age=self.max_age,
            httponly=True,
            secure=self.secure,
            samesite="lax",
            path="/admin",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path="/admin")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def check_csrf(session: dict[str, Any], submitted: object) -> None:
    expected = session.get("c")
    if (
        not isinstance(expected, str)
        or not isinstance(submitted, str)
        or not hmac.compare_digest(expected.encode(), submitted.encode())
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "the form expired or did not come from this dashboard"
        )
