"""API tokens: created once and shown once, stored as a SHA-256, looked up by prefix.

The token is 256 random bits, so a plain SHA-256 is enough (no slow KDF: there is nothing
to brute-force). Rows are found by the token's public prefix and the hash is compared in
constant time, so response timing says nothing about how much of a guess was right.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select

from crm_store.errors import NotFound
from crm_store.models.api import ApiToken, TokenRole
from crm_store.repositories.base import Repository

TOKEN_MARK = "sbt_"
PREFIX_LENGTH = len(TOKEN_MARK) + 8
# Recording every use would make each API read a write; once a minute is enough to see
# which tokens are alive.
TOUCH_EVERY = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_MARK + secrets.token_urlsafe(32)


class ApiTokenRepository(Repository):
    async def create(
        self, role: TokenRole | str, *, rep_id: int | None = None, name: str | None = None
    ) -> tuple[ApiToken, str]:
        """A new token; returns the row and the token itself (the only time it exists)."""
        role = TokenRole(role)
        if role == TokenRole.REP and rep_id is None:
            raise ValueError("a rep token needs the rep it belongs to")
        if role != TokenRole.REP and rep_id is not None:
            raise ValueError(f"a {role} token sees every rep; only rep tokens take a rep")
        token = new_token()
        row = ApiToken(
            name=name,
            role=role.value,
            rep_id=rep_id,
            prefix=token[:PREFIX_LENGTH],
            token_hash=hash_token(token),
            created_at=self.clock.now(),
        )
        self.session.add(row)
        await self.session.flush()
        return row, token

    async def authenticate(self, token: str) -> ApiToken | None:
        """The active token row for a presented bearer token, or None."""
        if not token.startswith(TOKEN_MARK) or len(token) > 200:
            return None
        wanted = hash_token(token)
        stmt = select(ApiToken).where(ApiToken.prefix == token[:PREFIX_LENGTH])
        found = None
        for row in (await self.session.scalars(stmt)).all():
            if hmac.compare_digest(row.token_hash, wanted) and row.revoked_at is None:
                found = row
        if found is not None:
            now = self.clock.now()
            if found.last_used_at is None or now - found.last_used_at >= TOUCH_EVERY:
                found.last_used_at = now
                await self.session.flush()
        return found

    async def get(self, token_id: int) -> ApiToken:
        row = await self.session.get(ApiToken, token_id)
        if row is None:
            raise NotFound(f"API token {token_id} not found")
        return row

    async def list(self, *, include_revoked: bool = False) -> list[ApiToken]:
        stmt = select(ApiToken).order_by(ApiToken.id)
        if not include_revoked:
            stmt = stmt.where(ApiToken.revoked_at.is_(None))
        return list((await self.session.scalars(stmt)).all())

    async def revoke(self, token_id: int) -> ApiToken:
        """Revoke a token (idempotent); the row stays for the audit trail."""
        row = await self.get(token_id)
        if row.revoked_at is None:
            row.revoked_at = self.clock.now()
            await self.session.flush()
        return row
