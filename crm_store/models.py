"""The CRM schema: SQLAlchemy 2 typed ORM models.

Invariants that must hold under concurrency live in the database, not only in Python:
unique channel identities, unique channel message ids (the duplicate guard), one open
conversation per address, one response per survey question, and non-overlapping follow-ups
(an exclusion constraint on PostgreSQL, triggers on SQLite; see the initial migration).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from crm_store.columns import JSONType, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Integer ids; BIGINT on PostgreSQL, INTEGER (rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")


class LeadStatus(StrEnum):
    NEW = "new"
    QUALIFIED = "qualified"
    MEETING_BOOKED = "meeting_booked"
    WON = "won"
    LOST = "lost"


class ConversationStatus(StrEnum):
    BOT = "bot"
    HANDOFF = "handoff"
    CLOSED = "closed"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class Role(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"


class Delivery(StrEnum):
    RECEIVED = "received"  # inbound
    PENDING = "pending"  # outbound, in the outbox
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after retries


class FollowUpStatus(StrEnum):
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    DONE = "done"
    NO_SHOW = "no_show"


ACTIVE_FOLLOW_UP = (FollowUpStatus.BOOKED.value, FollowUpStatus.RESCHEDULED.value)


class SurveyKind(StrEnum):
    CSAT = "csat"
    NPS = "nps"
    COMMENT = "comment"


class TaskState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType}


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    company: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    marketing_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    identities: Mapped[list[ChannelIdentity]] = relationship(back_populates="contact")


class ChannelIdentity(Base):
    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]

    contact: Mapped[Contact] = relationship(back_populates="identities")


class Rep(Base):
    __tablename__ = "reps"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # {"mon": ["09:00-12:00", "13:00-17:00"], ...} in the rep's own time zone.
    working_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (CheckConstraint(_in("status", LeadStatus), name="status"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=LeadStatus.NEW.value)
    score: Mapped[int] = mapped_column(Integer, default=0)
    product_interest: Mapped[str | None] = mapped_column(String(100))
    estimated_value: Mapped[float | None] = mapped_column(Numeric(14, 2, asdecimal=False))
    source_channel: Mapped[str] = mapped_column(String(32))
    campaign: Mapped[str | None] = mapped_column(String(100))
    owner_rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    transitions: Mapped[list[LeadTransition]] = relationship(
        back_populates="lead", order_by="LeadTransition.id"
    )


class LeadTransition(Base):
    """When a lead entered each stage: the history behind funnel and cycle-length KPIs."""

    __tablename__ = "lead_transitions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(100))

    lead: Mapped[Lead] = relationship(back_populates="transitions")


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


class FollowUp(Base):
    __tablename__ = "follow_ups"
    __table_args__ = (
        CheckConstraint(_in("status", FollowUpStatus), name="status"),
        CheckConstraint("ends_at > starts_at", name="positive_duration"),
        Index("ix_follow_ups_rep_time", "rep_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("reps.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    customer_timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=FollowUpStatus.BOOKED.value)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class SurveyRequest(Base):
    __tablename__ = "survey_requests"
    __table_args__ = (
        # Never twice for the same trigger (e.g. one survey per resolved handoff).
        UniqueConstraint("trigger", "trigger_ref"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id"))
    channel: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(32))
    trigger_ref: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("request_id", "kind"),
        CheckConstraint(_in("kind", SurveyKind), name="kind"),
        CheckConstraint(
            "(kind = 'csat' AND score BETWEEN 1 AND 5) OR (kind = 'nps' AND score BETWEEN 0 AND 10)"
            " OR (kind = 'comment' AND score IS NULL)",
            name="score_range",
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("survey_requests.id"))
    kind: Mapped[str] = mapped_column(String(16))
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class ScheduledTask(Base):
    __tablename__ = "scheduled_tasks"
    __table_args__ = (
        CheckConstraint(_in("state", TaskState), name="state"),
        Index("ix_scheduled_tasks_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default=TaskState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Same key, same task: scheduling is idempotent (e.g. "reminder:followup:42:1440").
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


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


# API tokens, event cursors and webhook deliveries live in their own module (same Base);
# imported here so every user of Base.metadata (Alembic, tests) sees them.
import crm_store.models_api  # noqa: E402, F401
import crm_store.models_ops  # noqa: E402, F401
