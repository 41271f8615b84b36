"""Erasing one person's personal data across the store (GDPR Art. 17, PIPL Art. 47).

Rows that feed aggregates (leads, survey scores, message counts, staff message counts) stay,
stripped of anything that identifies the person, so KPIs stay correct after an erasure.
Everything that names or reaches the person goes: contact fields, channel identities, the
conversations' addresses, message texts and platform ids, survey comments, unanswered
questions, scheduled work, e-mails and the texts of staff messages about them.

Suppression of the identities and the Slack messages live outside the store
(``bot.privacy.erase``), which calls this first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, Text, cast, delete, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from crm_store.models import (
    AuditLog,
    ChannelIdentity,
    Contact,
    Conversation,
    ConversationStatus,
    Delivery,
    FollowUp,
    Lead,
    Message,
    ScheduledTask,
    SurveyRequest,
    SurveyResponse,
    TaskState,
    UnansweredQuestion,
)
from crm_store.models.ops import CANCELLED, PENDING, EmailMessage, SlackCard, StaffMessage
from crm_store.repositories.base import Repository

ERASED = "[erased]"
_LIVE_CARDS = ("open", "claimed")


@dataclass
class Erased:
    """How many rows each step touched (for the audit log and the operator)."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, rowcount: object) -> None:
        self.counts[name] = self.counts.get(name, 0) + int(rowcount or 0)  # type: ignore[call-overload]


class PersonalDataRepository(Repository):
    async def erase(self, contact_id: int, *, keep_address_of: int | None = None) -> Erased:
        """Erase the contact's personal data; the contact row stays as an anonymous shell.

        ``keep_address_of`` names one conversation whose address (chat id) survives for now:
        the customer's own "forget me" still has to deliver its confirmation there. The
        caller erases that address after delivery (``erase_address``).
        """
        now = self.clock.now()
        s = self.session
        out = Erased()
        contact = await s.get(Contact, contact_id)
        email, phone = (contact.email, contact.phone) if contact else (None, None)
        conv_ids = list(
            (
                await s.scalars(
                    select(Conversation.id).where(Conversation.contact_id == contact_id)
                )
            ).all()
        )
        lead_ids = list(
            (await s.scalars(select(Lead.id).where(Lead.contact_id == contact_id))).all()
        )
        follow_up_ids = list(
            (await s.scalars(select(FollowUp.id).where(FollowUp.lead_id.in_(lead_ids)))).all()
        )
        request_ids = select(SurveyRequest.id).where(SurveyRequest.contact_id == contact_id)

        result = await s.execute(
            update(Message)
            .where(Message.conversation_id.in_(conv_ids))
            .values(
                text=ERASED,
                payload=None,
                content=None,
                last_error=None,
                # Web chat ids embed the visitor id; the row id keeps the value unique.
                channel_message_id="erased:" + cast(Message.id, String),
            )
        )
        out.add("messages", result.rowcount)  # type: ignore[attr-defined]
        result = await s.execute(
            update(Message)
            .where(
                Message.conversation_id.in_(conv_ids),
                Message.delivery == Delivery.PENDING.value,
            )
            .values(delivery=Delivery.FAILED.value, next_attempt_at=None, last_error="erased")
        )
        out.add("outbox_cancelled", result.rowcount)  # type: ignore[attr-defined]
        result = await s.execute(
            delete(UnansweredQuestion).where(UnansweredQuestion.conversation_id.in_(conv_ids))
        )
        out.add("unanswered_questions", result.rowcount)  # type: ignore[attr-defined]
        await s.execute(
            update(Conversation)
            .where(Conversation.id.in_(conv_ids))
            .values(
                state={},
                slack_channel=None,
                slack_thread_ts=None,
                status=ConversationStatus.CLOSED.value,
                updated_at=now,
            )
        )
        await s.execute(
            update(Conversation)
            .where(Conversation.id.in_(conv_ids), Conversation.closed_at.is_(None))
            .values(closed_at=now)
        )
        for conversation_id in conv_ids:
            if conversation_id != keep_address_of:
                await self.erase_address(conversation_id)
        out.add("conversations", len(conv_ids))

        result = await s.execute(
            update(SurveyResponse)
            .where(SurveyResponse.request_id.in_(request_ids), SurveyResponse.comment.is_not(None))
            .values(comment=None)
        )
        out.add("survey_comments", result.rowcount)  # type: ignore[attr-defined]
        await s.execute(update(Lead).where(Lead.id.in_(lead_ids)).values(answers={}))
        out.add("leads", len(lead_ids))

        about_them = [
            ScheduledTask.dedupe_key.startswith(f"contact:{contact_id}:", autoescape=True)
        ]
        if conv_ids:
            about_them.append(ScheduledTask.payload["conversation_id"].as_integer().in_(conv_ids))
        if follow_up_ids:
            about_them.append(ScheduledTask.payload["follow_up_id"].as_integer().in_(follow_up_ids))
        result = await s.execute(
            update(ScheduledTask)
            .where(ScheduledTask.state == TaskState.PENDING.value, or_(*about_them))
            .values(state=TaskState.CANCELLED.value, payload={}, finished_at=now)
        )
        out.add("tasks_cancelled", result.rowcount)  # type: ignore[attr-defined]
        await s.execute(update(ScheduledTask).where(or_(*about_them)).values(payload={}))

        await self._erase_staff_messages(
            out, contact_id, conv_ids, lead_ids, follow_up_ids, email, phone
        )
        await self._erase_emails(out, contact_id, email)
        cards = or_(SlackCard.conversation_id.in_(conv_ids), SlackCard.lead_id.in_(lead_ids))
        # The Slack messages go after the commit (their refs are the caller's); a live card
        # without a ts would be reposted by the Slack desk, so it is closed here.
        await s.execute(
            update(SlackCard)
            .where(cards, SlackCard.status.in_(_LIVE_CARDS))
            .values(status="resolved")
        )
        result = await s.execute(
            update(SlackCard).where(cards).values(channel=None, ts=None, updated_at=now)
        )
        out.add("slack_cards", result.rowcount)  # type: ignore[attr-defined]
        for value in (email, phone):
            if value:
                # Free-form audit details (e.g. a search term) must not keep the person either;
                # the entries themselves stay: who did what, and when.
                result = await s.execute(
                    update(AuditLog)
                    .where(_contains(cast(AuditLog.detail, Text), value))
                    .values(detail={"erased": True})
                )
                out.add("audit_details", result.rowcount)  # type: ignore[attr-defined]

        result = await s.execute(
            delete(ChannelIdentity).where(ChannelIdentity.contact_id == contact_id)
        )
        out.add("identities", result.rowcount)  # type: ignore[attr-defined]
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
        await s.flush()
        return out

    async def erase_address(self, conversation_id: int) -> None:
        """Replace a conversation's address (the chat id is the person's platform id)."""
        await self.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(chat_id=f"erased:{conversation_id}", thread_id="", state={})
        )

    async def _erase_staff_messages(
        self,
        out: Erased,
        contact_id: int,
        conv_ids: list[int],
        lead_ids: list[int],
        follow_up_ids: list[int],
        email: str | None,
        phone: str | None,
    ) -> None:
        about = staff_messages_about(contact_id, conv_ids, lead_ids, follow_up_ids, email, phone)
        s = self.session
        result = await s.execute(
            update(StaffMessage)
            .where(about, StaffMessage.state == PENDING)
            .values(state=CANCELLED, next_attempt_at=None)
        )
        out.add("staff_messages_cancelled", result.rowcount)  # type: ignore[attr-defined]
        result = await s.execute(
            update(StaffMessage)
            .where(about)
            .values(text=ERASED, content={}, last_error=None, platform_ref=None)
        )
        out.add("staff_messages", result.rowcount)  # type: ignore[attr-defined]

    async def _erase_emails(self, out: Erased, contact_id: int, email: str | None) -> None:
        to_them: ColumnElement[bool] = EmailMessage.contact_id == contact_id
        if email:
            to_them = or_(to_them, func.lower(EmailMessage.to_address) == email.lower())
        s = self.session
        result = await s.execute(
            update(EmailMessage)
            .where(to_them, EmailMessage.state == PENDING)
            .values(state=CANCELLED, next_attempt_at=None)
        )
        out.add("emails_cancelled", result.rowcount)  # type: ignore[attr-defined]
        result = await s.execute(
            update(EmailMessage)
            .where(to_them)
            .values(to_address=ERASED, subject=ERASED, body_text=ERASED, ics=None, last_error=None)
        )
        out.add("emails", result.rowcount)  # type: ignore[attr-defined]


def staff_messages_about(
    contact_id: int,
    conv_ids: list[int],
    lead_ids: list[int],
    follow_up_ids: list[int],
    email: str | None = None,
    phone: str | None = None,
) -> ColumnElement[bool]:
    """Staff messages about one person: by their ``ref``, dedupe key, content ids or text.

    Producers write ``ref`` like ``conversation:12`` / ``lead:3`` / ``follow_up:7`` and keep
    ids in ``content``; the text match catches a message that only quotes the person.
    """
    refs = [f"contact:{contact_id}"]
    refs += [f"conversation:{i}" for i in conv_ids]
    refs += [f"lead:{i}" for i in lead_ids]
    refs += [f"{p}:{i}" for i in follow_up_ids for p in ("follow_up", "followup")]
    conditions: list[ColumnElement[bool]] = [
        StaffMessage.ref.in_(refs),
        StaffMessage.dedupe_key.startswith(f"contact:{contact_id}:", autoescape=True),
        StaffMessage.content["contact_id"].as_integer() == contact_id,
    ]
    for key, ids in (
        ("conversation_id", conv_ids),
        ("lead_id", lead_ids),
        ("follow_up_id", follow_up_ids),
    ):
        if ids:
            conditions.append(StaffMessage.content[key].as_integer().in_(ids))
    for value in (email, phone):
        if value:
            conditions.append(_contains(StaffMessage.text, value))
    return or_(*conditions)


def _contains(column: ColumnElement[str], value: str) -> ColumnElement[bool]:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")
