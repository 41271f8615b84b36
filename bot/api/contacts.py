"""``/contacts/{id}``: one person with identities, leads, conversations, follow-ups, surveys."""

# No `from __future__ import annotations`: FastAPI must see the local `Caller` aliases.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from sqlalchemy import select

from bot.api.auth import Principal
from bot.api.params import IdPath
from bot.api.schemas import (
    ContactDetail,
    ConversationOut,
    ErrorOut,
    FollowUpOut,
    IdentityOut,
    LeadOut,
    SurveyAnswerOut,
    SurveyOut,
)
from crm_store.models import (
    ChannelIdentity,
    Contact,
    Conversation,
    FollowUp,
    Lead,
    SurveyRequest,
    SurveyResponse,
)
from crm_store.uow import UnitOfWork


def contacts_router(runtime: Any, principal: Any) -> APIRouter:
    router = APIRouter(prefix="/contacts", tags=["contacts"])
    Caller = Annotated[Principal, Depends(principal)]

    @router.get(
        "/{contact_id}",
        response_model=ContactDetail,
        summary="Get a contact",
        responses={404: {"model": ErrorOut, "description": "No such contact (or not this rep's)."}},
    )
    async def get_contact(contact_id: IdPath, who: Caller) -> ContactDetail:
        """A contact with everything salesbot knows about them.

        A rep token sees a contact only through its own leads or conversations, and only
        those leads, conversations, follow-ups and surveys.
        """
        async with UnitOfWork(runtime.db, runtime.clock) as uow:
            s = uow.session
            contact = await s.get(Contact, contact_id)
            leads = await _all(s, select(Lead).where(Lead.contact_id == contact_id, who.leads()))
            conversations = await _all(
                s,
                select(Conversation).where(
                    Conversation.contact_id == contact_id, who.conversations()
                ),
            )
            if contact is None or (who.is_rep and not leads and not conversations):
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"contact {contact_id} not found")
            identities = await _all(
                s, select(ChannelIdentity).where(ChannelIdentity.contact_id == contact_id)
            )
            all_lead_ids = select(Lead.id).where(Lead.contact_id == contact_id)
            follow_ups = await _all(
                s,
                select(FollowUp)
                .where(FollowUp.lead_id.in_(all_lead_ids), who.follow_ups())
                .order_by(FollowUp.starts_at),
            )
            requests = await _all(
                s,
                select(SurveyRequest).where(SurveyRequest.contact_id == contact_id, who.surveys()),
            )
            answers = await _all(
                s,
                select(SurveyResponse).where(
                    SurveyResponse.request_id.in_([r.id for r in requests])
                ),
            )
            await uow.audit.log(
                who.actor, "api.contacts.get", target_type="contact", target_id=contact_id
            )
        return ContactDetail(
            **{k: getattr(contact, k) for k in _CONTACT_FIELDS},
            identities=[IdentityOut.model_validate(i) for i in identities],
            leads=[LeadOut.model_validate(x) for x in leads],
            conversations=[ConversationOut.model_validate(c) for c in conversations],
            follow_ups=[FollowUpOut.model_validate(f) for f in follow_ups],
            surveys=[
                SurveyOut(
                    **{k: getattr(r, k) for k in _SURVEY_FIELDS},
                    answers=[
                        SurveyAnswerOut.model_validate(a) for a in answers if a.request_id == r.id
                    ],
                )
                for r in requests
            ],
        )

    return router


_CONTACT_FIELDS = (
    "id",
    "name",
    "email",
    "phone",
    "company",
    "language",
    "timezone",
    "marketing_opt_out",
    "created_at",
    "updated_at",
)
_SURVEY_FIELDS = (
    "id",
    "channel",
    "trigger",
    "status",
    "rep_id",
    "conversation_id",
    "created_at",
    "sent_at",
    "answered_at",
)


async def _all(session: Any, stmt: Any) -> list[Any]:
    model = stmt.column_descriptions[0]["entity"]
    return list((await session.scalars(stmt.order_by(model.id))).all())
