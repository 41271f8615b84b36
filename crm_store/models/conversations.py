"""Conversations and their messages (inbound, and outbound through the outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm_store.models.base import (
    Base,
    ConversationStatus,
    Delivery,
    Direction,
    Id,
    _in,
)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint(_in("status", ConversationStatus), name="status"),
        # At most one open conversation per address; a closed one may be followed by a new one.
        Index(
            "uq_conversations_open_address",
            "channel",
            "chat_id",
            "thread_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(200))
    thread_id: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=ConversationStatus.BOT.value)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    assigned_rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id"))
    slack_channel: Mapped[str | None] = mapped_column(String(64))
    slack_thread_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_message_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        # The duplicate guard: a platform message id is stored once per channel.
        UniqueConstraint("channel", "channel_message_id"),
        CheckConstraint(_in("direction", Direction), name="direction"),
        CheckConstraint(_in("delivery", Delivery), name="delivery"),
        Index("ix_messages_outbox", "delivery", "next_attempt_at"),
        # A conversation's undelivered replies, read on every turn: without it the read
        # walks the whole transcript, so a turn's cost grew with the conversation (#4).
        # Partial, so it holds only the few rows in flight.
        Index(
            "ix_messages_pending",
            "conversation_id",
            "seq",
            sqlite_where=text("delivery = 'pending'"),
            postgresql_where=text("delivery = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    seq: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(4))
    role: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(32))
    channel_message_id: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str | None] = mapped_column(String(500))
    # The rendered reply (buttons, quick replies) so the outbox can be re-sent after a restart.
    content: Mapped[dict[str, Any] | None] = mapped_column()
    intent: Mapped[str | None] = mapped_column(String(100))
    confidence: Mapped[float | None]
    delivery: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
