"""The CRM schema's base: naming convention, id type, status enums and the declarative ``Base``.

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
    Integer,
    MetaData,
)
from sqlalchemy.orm import DeclarativeBase

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
