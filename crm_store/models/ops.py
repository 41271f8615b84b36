"""Operational tables: messages to staff, e-mail, Slack cards, dashboard users, suppressions.

Like ``crm_store.models.api`` these share ``Base`` and are imported by the ``crm_store.models``
package, so they are always part of the metadata (migrations, ``alembic check``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_store.columns import JSONType
from crm_store.models.base import Base, Id

# Outbox states shared by staff messages and e-mail.
PENDING, DELIVERED, FAILED, CANCELLED = "pending", "delivered", "failed", "cancelled"


class StaffMessage(Base):
    """A message to sales staff (a rep's DM, the managers' or the sales channel).

    An outbox like ``messages``: written in the same transaction as the work that produced
    it (a reminder task, an escalation), delivered after the commit by whatever staff channel
    is configured (Slack), retried until delivered. ``dedupe_key`` makes producing it
    idempotent.
    """

    __tablename__ = "staff_messages"
    __table_args__ = (Index("ix_staff_messages_outbox", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    target: Mapped[str] = mapped_column(String(16))  # "rep" | "managers" | "sales"
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id"))
    kind: Mapped[str] = mapped_column(String(50))  # reminder, escalation, detractor, ...
    text: Mapped[str] = mapped_column(Text)
    # Structured extras for the renderer: buttons, fields, links (channel-neutral).
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    ref: Mapped[str | None] = mapped_column(String(100))  # e.g. "conversation:12"
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    platform_ref: Mapped[str | None] = mapped_column(String(100))  # e.g. Slack "channel:ts"
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class EmailMessage(Base):
    """An e-mail to a customer (confirmation, reminder), with an optional calendar invite."""

    __tablename__ = "email_messages"
    __table_args__ = (Index("ix_email_messages_outbox", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    ics: Mapped[str | None] = mapped_column(Text)  # iCalendar invite (METHOD:REQUEST/CANCEL)
    kind: Mapped[str] = mapped_column(String(50))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class SlackCard(Base):
    """A card salesbot posted for reps (a handoff or a qualified lead) and who claimed it."""

    __tablename__ = "slack_cards"
    __table_args__ = (Index("ix_slack_cards_message", "channel", "ts"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "handoff" | "lead"
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    channel: Mapped[str | None] = mapped_column(String(64))
    ts: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open/claimed/resolved/...
    claimed_by_rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id"))
    claimed_at: Mapped[datetime | None]
    announcements: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class User(Base):
    """A dashboard user (admin, manager or rep)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))  # admin | manager | rep
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id"))
    language: Mapped[str] = mapped_column(String(8), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class Suppression(Base):
    """An erased person's channel identity, as a keyed hash, so late retries of their old
    Telegram or Slack events cannot bring them back (the identity itself is not kept)."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    identity_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
