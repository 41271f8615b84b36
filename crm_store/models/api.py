"""Tables of the CRM API and outgoing webhooks: API tokens, event cursors, webhook deliveries.

Kept in their own module of ``crm_store.models`` (same ``Base``, same naming convention) so
these features stay one module; the package imports every module, so the
tables are always part of ``Base.metadata`` (migrations, ``alembic check``, tests).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_store.models.base import Base, Id
from crm_store.models.records import DomainEvent


class TokenRole(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up (too old) or abandoned by an operator


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class ApiToken(Base):
    """A bearer token of the CRM API. Only a SHA-256 of the token is kept, never the token."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint(_in("role", TokenRole), name="role"),
        # A rep token is always scoped to one rep; manager/admin tokens see everything.
        CheckConstraint("role != 'rep' OR rep_id IS NOT NULL", name="rep_scope"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id"))
    # The token's first characters: shown in listings and used to find the row.
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class EventCursor(Base):
    """How far one consumer (e.g. ``webhook:hubspot``) has read ``domain_events``."""

    __tablename__ = "event_cursors"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    updated_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One business event to one configured endpoint: the persisted webhook outbox."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # Fan-out is idempotent: an event is queued once per endpoint, whoever queues it.
        UniqueConstraint("endpoint", "event_id"),
        CheckConstraint(_in("state", DeliveryState), name="state"),
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int] = mapped_column(
        ForeignKey("domain_events.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]

    # Loaded explicitly (selectinload) where needed: lazy loads do not work under asyncio.
    event: Mapped[DomainEvent] = relationship(lazy="raise")
