"""What the CRM API returns and accepts (pydantic models; they are the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from crm_store.models import (
    ConversationStatus,
    FollowUpStatus,
    LeadStatus,
    SurveyKind,
)
from crm_store.models.api import TokenRole

T = TypeVar("T")
MAX_ID = 2**63 - 1


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(Out, Generic[T]):
    items: list[T]
    total: int = Field(description="Rows matching the filters, on all pages.")
    limit: int
    offset: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last.")


class ErrorOut(BaseModel):
    detail: str


def error(description: str) -> dict[str, Any]:
    """An OpenAPI ``responses`` entry for an error answered as ``{"detail": "..."}``."""
    return {"model": ErrorOut, "description": description}


REP_FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: error("A rep token asked about another rep.")
}


class MeOut(Out):
    token_id: int | None
    role: TokenRole
    rep_id: int | None


class RepOut(Out):
    id: int
    name: str
    email: str
    timezone: str
    active: bool


class ContactBrief(Out):
    id: int
    name: str | None
    email: str | None
    phone: str | None
    company: str | None


class LeadOut(Out):
    id: int
    contact_id: int
    status: LeadStatus
    score: int
    product_interest: str | None
    estimated_value: float | None
    source_channel: str
    campaign: str | None
    owner_rep_id: int | None
    answers: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class TransitionOut(Out):
    from_status: LeadStatus | None
    to_status: LeadStatus
    at: datetime
    actor: str | None


class FollowUpOut(Out):
    id: int
    lead_id: int
    rep_id: int
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    customer_timezone: str
    status: FollowUpStatus
    created_at: datetime
    updated_at: datetime


class LeadDetail(LeadOut):
    contact: ContactBrief
    transitions: list[TransitionOut]
    follow_ups: list[FollowUpOut]


class LeadPatch(BaseModel):
    """Fields to change; omitted fields stay. ``owner_rep_id: null`` unassigns the lead."""

    model_config = ConfigDict(extra="forbid")

    status: LeadStatus | None = Field(
        default=None, description="Move the lead along its pipeline (409 if not allowed)."
    )
    owner_rep_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class IdentityOut(Out):
    channel: str
    external_id: str
    display_name: str | None
    created_at: datetime


class ConversationOut(Out):
    id: int
    contact_id: int
    channel: str
    chat_id: str
    status: ConversationStatus
    language: str | None
    assigned_rep_id: int | None
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime | None
    closed_at: datetime | None


class ButtonOut(BaseModel):
    title: str
    payload: str


class MessageOut(Out):
    seq: int
    direction: str
    role: str
    text: str
    payload: str | None
    buttons: list[ButtonOut]
    intent: str | None
    delivery: str
    created_at: datetime


class ConversationDetail(ConversationOut):
    messages: list[MessageOut]
    next_after_seq: int | None = Field(
        description="More messages follow: pass this as after_seq to read them."
    )


class SurveyAnswerOut(Out):
    kind: SurveyKind
    score: int | None
    comment: str | None
    created_at: datetime


class SurveyOut(Out):
    id: int
    channel: str
    trigger: str
    status: str
    rep_id: int | None
    conversation_id: int | None
    created_at: datetime
    sent_at: datetime | None
    answered_at: datetime | None
    answers: list[SurveyAnswerOut]


class ContactDetail(Out):
    id: int
    name: str | None
    email: str | None
    phone: str | None
    company: str | None
    language: str | None
    timezone: str | None
    marketing_opt_out: bool
    created_at: datetime
    updated_at: datetime
    identities: list[IdentityOut]
    leads: list[LeadOut]
    conversations: list[ConversationOut]
    follow_ups: list[FollowUpOut]
    surveys: list[SurveyOut]


class SurveyResponseOut(Out):
    id: int
    request_id: int
    kind: SurveyKind
    score: int | None
    comment: str | None
    created_at: datetime
    channel: str
    rep_id: int | None
    contact_id: int
    conversation_id: int | None
    trigger: str


class CsatOut(Out):
    responses: int
    average: float | None
    satisfied_pct: float | None = Field(description="Share of 4 and 5 scores, in percent.")
    distribution: dict[str, int] = Field(description="Count per score 1..5.")


class NpsOut(Out):
    responses: int
    promoters: int
    passives: int
    detractors: int
    score: float | None = Field(description="%promoters - %detractors, -100..100.")
    distribution: dict[str, int] = Field(description="Count per score 0..10.")


class SummaryOut(Out):
    sent: int = Field(description="Surveys sent in the period.")
    answered: int = Field(description="Of those, surveys with at least one answer.")
    response_rate: float | None = Field(description="answered / sent, in percent.")
    comments: int
    csat: CsatOut
    nps: NpsOut


class SummaryGroupOut(BaseModel):
    key: str = Field(
        description="Channel, rep id ('none': no rep) or period (2026-03-02, 2026-W10, 2026-03)."
    )
    summary: SummaryOut


class SurveySummaryOut(BaseModel):
    since: datetime | None
    until: datetime | None
    channel: str | None
    rep_id: int | None
    group_by: str | None
    timezone: str = Field(description="Time zone of day/week/month periods.")
    overall: SummaryOut
    groups: list[SummaryGroupOut]
