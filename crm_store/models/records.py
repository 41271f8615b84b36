"""Records kept for accountability and learning.

Consents, the audit log, unanswered questions and domain events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm_store.models.base import (
    Base,
    Id,
)


class Consent(Base):
    """Consent history: each grant or withdrawal is its own row, never overwritten."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(64))
    text_shown: Mapped[str] = mapped_column(Text)
    granted: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(index=True)


class UnansweredQuestion(Base):
    """A customer question the bot could not answer: the FAQ team's to-do list."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    # Indexed: SQLite checks this child table on every insert into (and delete from)
    # messages, and without an index that check is a scan (#4).
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    best_guess: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(index=True)


class DomainEvent(Base):
    """Business events written in the same transaction as the change they describe.

    A transactional outbox: outgoing webhooks (and anything else that must learn about
    leads, follow-ups, surveys and handoffs) read from here, so an event exists exactly when
    its change was committed.
    """

    __tablename__ = "domain_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]
