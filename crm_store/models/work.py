"""Work with a due date: follow-up calls, survey requests and answers, scheduled tasks."""

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
)
from sqlalchemy.orm import Mapped, mapped_column

from crm_store.models.base import (
    Base,
    FollowUpStatus,
    Id,
    SurveyKind,
    TaskState,
    _in,
)


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
