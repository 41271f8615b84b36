"""Erasing one person's personal data across the store (GDPR Art. 17, PIPL Art. 47).

Rows that feed aggregates (leads, survey scores, message counts) stay, stripped of anything
that identifies the person, so KPIs stay correct after an erasure.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from crm_store.models import (
    ChannelIdentity,
    Contact,
    Conversation,
    ConversationStatus,
    Lead,
    Message,
    ScheduledTask,
    SurveyRequest,
    SurveyResponse,
    TaskState,
    UnansweredQuestion,
)
from crm_store.repositories.base import Repository

ERASED = "[erased]"


class PersonalDataRepository(Repository):
    async def erase(self, contact_id: int) -> None:
        now = self.clock.now()
        s = self.session
        conversations = select(Conversation.id).where(Conversation.contact_id == contact_id)
        await s.execute(
            update(Message)
            .where(Message.conversation_id.in_(conversations), Message.created_at < now)
            .values(text=ERASED, payload=None, content=None)
        )
        await s.execute(
            delete(UnansweredQuestion).where(UnansweredQuestion.conversation_id.in_(conversations))
        )
        await s.execute(
            update(Conversation)
            .where(Conversation.contact_id == contact_id)
            .values(state={}, updated_at=now)
        )
        await s.execute(
            update(Conversation)
            .where(
                Conversation.contact_id == contact_id,
                Conversation.status != ConversationStatus.CLOSED.value,
            )
            .values(status=ConversationStatus.CLOSED.value, closed_at=now)
        )
        requests = select(SurveyRequest.id).where(SurveyRequest.contact_id == contact_id)
        await s.execute(
            update(SurveyResponse)
            .where(SurveyResponse.request_id.in_(requests))
            .values(comment=None)
        )
        await s.execute(update(Lead).where(Lead.contact_id == contact_id).values(answers={}))
        await s.execute(
            update(ScheduledTask)
            .where(
                ScheduledTask.state == TaskState.PENDING.value,
                ScheduledTask.dedupe_key.startswith(f"contact:{contact_id}:", autoescape=True),
            )
            .values(state=TaskState.CANCELLED.value, payload={}, finished_at=now)
        )
        await s.execute(delete(ChannelIdentity).where(ChannelIdentity.contact_id == contact_id))
        await s.execute(
            update(Contact)
            .where(Contact.id == contact_id)
            .values(
                name=None,
                email=None,
                phone=None,
                company=None,
                timezone=None,
                marketing_opt_out=True,
                updated_at=now,
            )
        )
