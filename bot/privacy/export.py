"""Access and portability (GDPR Art. 15 and 20, PIPL Art. 45): one JSON document per person.

Everything salesbot holds about the person, across every channel they used: the contact,
identities, consents, leads with their stage history, conversations with every message,
follow-ups, surveys with answers, e-mails, staff messages about them, Slack cards and the
audit entries about their records. Plain JSON (no salesbot types), so another system can
import it. Reading it is itself audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.privacy.records import (
    PersonIds,
    audit_stmt,
    emails_stmt,
    jsonable,
    person_ids,
    row_dict,
    slack_cards_stmt,
    staff_messages_stmt,
)
from crm_store.models import (
    ChannelIdentity,
    Consent,
    Contact,
    Conversation,
    FollowUp,
    Lead,
    LeadTransition,
    Message,
    SurveyRequest,
    SurveyResponse,
    UnansweredQuestion,
)
from crm_store.uow import UnitOfWork

FORMAT = "salesbot.contact-export/v1"


async def export_contact(uow: UnitOfWork, contact_id: int, *, actor: str) -> dict[str, Any]:
    """The export document; writes a ``contact.export`` audit entry in the same transaction.

    Raises ``crm_store.errors.NotFound`` for an unknown contact.
    """
    p = await person_ids(uow, contact_id)
    document = await _document(uow, p)
    await uow.audit.log(
        actor,
        "contact.export",
        target_type="contact",
        target_id=contact_id,
        detail={"conversations": len(p.conversation_ids), "leads": len(p.lead_ids)},
    )
    return document


async def _document(uow: UnitOfWork, p: PersonIds) -> dict[str, Any]:
    s = uow.session

    async def rows(stmt: Any) -> list[Any]:
        return list((await s.scalars(stmt)).all())

    contact = await s.get(Contact, p.contact_id)
    leads = await rows(select(Lead).where(Lead.id.in_(p.lead_ids)).order_by(Lead.id))
    transitions = await rows(
        select(LeadTransition)
        .where(LeadTransition.lead_id.in_(p.lead_ids))
        .order_by(LeadTransition.id)
    )
    conversations = await rows(
        select(Conversation)
        .where(Conversation.id.in_(p.conversation_ids))
        .order_by(Conversation.id)
    )
    messages = await rows(
        select(Message)
        .where(Message.conversation_id.in_(p.conversation_ids))
        .order_by(Message.conversation_id, Message.seq)
    )
    requests = await rows(
        select(SurveyRequest)
        .where(SurveyRequest.id.in_(p.survey_request_ids))
        .order_by(SurveyRequest.id)
    )
    responses = await rows(
        select(SurveyResponse)
        .where(SurveyResponse.request_id.in_(p.survey_request_ids))
        .order_by(SurveyResponse.id)
    )
    return {
        "format": FORMAT,
        "exported_at": jsonable(uow.clock.now()),
        "contact": row_dict(contact),  # type: ignore[arg-type]
        "identities": [
            row_dict(i, skip=frozenset({"contact_id"}))
            for i in await rows(
                select(ChannelIdentity)
                .where(ChannelIdentity.contact_id == p.contact_id)
                .order_by(ChannelIdentity.id)
            )
        ],
        "consents": [
            row_dict(c, skip=frozenset({"contact_id"}))
            for c in await rows(
                select(Consent).where(Consent.contact_id == p.contact_id).order_by(Consent.id)
            )
        ],
        "leads": [
            {
                **row_dict(lead, skip=frozenset({"contact_id"})),
                "transitions": [
                    row_dict(t, skip=frozenset({"lead_id"}))
                    for t in transitions
                    if t.lead_id == lead.id
                ],
            }
            for lead in leads
        ],
        "conversations": [
            {
                **row_dict(c, skip=frozenset({"contact_id"})),
                "messages": [
                    row_dict(m, skip=frozenset({"conversation_id"}))
                    for m in messages
                    if m.conversation_id == c.id
                ],
            }
            for c in conversations
        ],
        "follow_ups": [
            row_dict(f)
            for f in await rows(
                select(FollowUp).where(FollowUp.id.in_(p.follow_up_ids)).order_by(FollowUp.id)
            )
        ],
        "surveys": [
            {
                **row_dict(r, skip=frozenset({"contact_id"})),
                "responses": [
                    row_dict(a, skip=frozenset({"request_id"}))
                    for a in responses
                    if a.request_id == r.id
                ],
            }
            for r in requests
        ],
        "unanswered_questions": [
            row_dict(q)
            for q in await rows(
                select(UnansweredQuestion)
                .where(UnansweredQuestion.conversation_id.in_(p.conversation_ids))
                .order_by(UnansweredQuestion.id)
            )
        ],
        "emails": [row_dict(e) for e in await rows(emails_stmt(p))],
        "staff_messages": [row_dict(m) for m in await rows(staff_messages_stmt(p))],
        "slack_cards": [row_dict(c) for c in await rows(slack_cards_stmt(p))],
        "audit": [row_dict(a) for a in await rows(audit_stmt(p))],
    }
