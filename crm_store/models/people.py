"""People: contacts, their channel identities, reps and leads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_store.columns import JSONType
from crm_store.models.base import (
    Base,
    Id,
    LeadStatus,
    _in,
)


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
