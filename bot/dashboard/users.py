"""Dashboard users: argon2 password hashes, roles, and lockout after repeated failures.

Used by ``salesbot users`` and by the dashboard's login. Usernames are case-insensitive
(stored lower-case). After ``max_failed`` wrong passwords in a row the account is locked for
``lock_minutes``; while locked even the right password is refused, so guessing stays slow.
An unknown username costs the same argon2 verification as a known one, so timing does not
tell which usernames exist. Hashing runs in a thread: argon2 is deliberately slow and must
not stall the event loop that serves everyone else.
"""

from __future__ import annotations

import asyncio
import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_store.clock import Clock
from crm_store.models.ops import User

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")
MIN_PASSWORD = 10


class UserRole(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"


class UserError(ValueError):
    """A user cannot be created or changed as asked (the message says why)."""


@dataclass(frozen=True)
class LoginResult:
    status: Literal["ok", "invalid", "locked"]
    user: User | None = None
    locked_until: datetime | None = None


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")


class UserStore:
    def __init__(
        self,
        session: AsyncSession,
        clock: Clock,
        *,
        max_failed: int = 5,
        lock_minutes: int = 15,
    ) -> None:
        self.session = session
        self.clock = clock
        self.max_failed = max_failed
        self.lock_minutes = lock_minutes

    async def by_username(self, username: str, *, for_update: bool = False) -> User | None:
        stmt = select(User).where(User.username == username.strip().lower())
        if for_update:
            # Two wrong passwords at once must both count towards the lockout.
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def list(self) -> list[User]:
        return list((await self.session.scalars(select(User).order_by(User.username))).all())

    async def add(
        self,
        username: str,
        password: str,
        role: UserRole | str,
        *,
        rep_id: int | None = None,
        language: str = "en",
    ) -> User:
        name = username.strip().lower()
        if not USERNAME.match(name):
            raise UserError(
                "usernames are 2-100 characters: letters, digits and . _ @ - "
                "(starting with a letter or digit)"
            )
        role = UserRole(role)
        if role == UserRole.REP and rep_id is None:
            raise UserError("a rep user belongs to a rep: give --rep-email")
        if role != UserRole.REP and rep_id is not None:
            raise UserError(f"a {role.value} sees every rep; --rep-email is only for --role rep")
        check_password(password)
        if await self.by_username(name) is not None:
            raise UserError(f"user {name!r} exists already")
        user = User(
            username=name,
            password_hash=await asyncio.to_thread(_hasher.hash, password),
            role=role.value,
            rep_id=rep_id,
            language=language,
            active=True,
            failed_logins=0,
            created_at=self.clock.now(),
        )
        self.session.add(user)
        await self.session.flush()
        return user

    async def set_active(self, username: str, active: bool) -> User:
        user = await self.by_username(username)
        if user is None:
            raise UserError(f"no user {username!r}")
        user.active = active
        await self.session.flush()
        return user

    async def authenticate(self, username: str, password: str) -> LoginResult:
        now = self.clock.now()
        user = await self.by_username(username, for_update=True)
        if user is None or not user.active:
            await asyncio.to_thread(_verify, _dummy_hash(), password)
            return LoginResult("invalid")
        if user.locked_until is not None and user.locked_until > now:
            return LoginResult("locked", user, user.locked_until)
        if not await asyncio.to_thread(_verify, user.password_hash, password):
            user.failed_logins += 1
            if user.failed_logins >= self.max_failed:
                user.locked_until = now + timedelta(minutes=self.lock_minutes)
                user.failed_logins = 0
                await self.session.flush()
                return LoginResult("locked", user, user.locked_until)
            await self.session.flush()
            return LoginResult("invalid", user)
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = await asyncio.to_thread(_hasher.hash, password)
        user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
        await self.session.flush()
        return LoginResult("ok", user)


@functools.cache
def _dummy_hash() -> str:
    # Made on first use, not at import: every CLI start would pay for an argon2 hash.
    return _hasher.hash("not a real password; equalises timing for unknown users")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
