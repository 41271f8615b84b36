"""Suppression of erased identities: a keyed hash, never the identity itself.

After an erasure the person's channel identities are gone, so a late retry of one of their
old Telegram updates or Slack events would look like a new person and recreate them. The
hub asks ``is_suppressed`` before it creates anyone. The entry is
``HMAC-SHA256(key, "<channel>:<external id>")`` with a key derived from the server secret
for this one purpose: without the secret nobody can test whether a given Telegram id was
one of our customers, and the table says nothing about who they were.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.settings.model import Settings
from crm_store.models.ops import Suppression
from crm_store.uow import UnitOfWork

PURPOSE = b"salesbot/privacy/suppression/v1"

# Derived keys by secret: the secret file is read once per process, not once per message.
_keys: dict[tuple[str, str], bytes] = {}


def suppression_key(settings: Settings) -> bytes:
    """The suppression key, derived from ``SALESBOT_SECRET_KEY`` (or the generated secret
    in ``data_dir/secret_key`` that the web chat also uses when the variable is unset)."""
    configured = settings.secrets.secret_key
    cache_key = (
        ("env", configured.get_secret_value())
        if configured is not None
        else ("file", str(settings.data_dir.resolve()))
    )
    key = _keys.get(cache_key)
    if key is None:
        # Imported here: the web chat package owns the generated-secret file and its
        # race-free creation; reading it through the same function keeps one secret.
        from bot.secret_key import load_secret

        key = hmac.new(load_secret(settings), PURPOSE, hashlib.sha256).digest()
        _keys[cache_key] = key
    return key


def identity_hash(key: bytes, channel: str, external_id: str) -> str:
    return hmac.new(key, f"{channel}:{external_id}".encode(), hashlib.sha256).hexdigest()


async def is_suppressed(uow: UnitOfWork, channel: str, external_id: str, key: bytes) -> bool:
    digest = identity_hash(key, channel, external_id)
    stmt = select(Suppression.id).where(Suppression.identity_hash == digest)
    return (await uow.session.scalar(stmt)) is not None


async def suppress(uow: UnitOfWork, channel: str, external_id: str, key: bytes) -> None:
    """Add the entry (idempotent: an identity erased twice keeps its first entry)."""
    digest = identity_hash(key, channel, external_id)
    exists = select(Suppression.id).where(Suppression.identity_hash == digest)
    if await uow.session.scalar(exists) is not None:
        return
    try:
        async with uow.session.begin_nested():
            uow.session.add(Suppression(identity_hash=digest, created_at=uow.clock.now()))
    except IntegrityError:
        pass  # a concurrent erasure of the same identity wrote it first


async def expire_suppressions(uow: UnitOfWork, before: datetime) -> int:
    result = await uow.session.execute(delete(Suppression).where(Suppression.created_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
