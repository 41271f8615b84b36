"""Conversations: one open conversation per channel address, with channel-neutral state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, literal_column, select
from sqlalchemy.exc import IntegrityError

from crm_store.errors import InvalidTransition, NotFound, violated
from crm_store.models import Conversation, ConversationStatus
from crm_store.repositories.base import Repository


@dataclass(frozen=True, slots=True)
class AddressKey:
    """The columns that find a conversation: the store's own type, so that it imports
    nothing of the engine above it (#14); callers translate their channel address."""

    channel: str
    chat_id: str
    thread_id: str = ""

    @classmethod
    def of(cls, conversation: Conversation) -> AddressKey:
        return cls(conversation.channel, conversation.chat_id, conversation.thread_id)


# Built once: read on every message, and building a statement (and its cache key) costs
# more than SQLite takes to run it (#4).
_OPEN_AT = select(Conversation).where(
    Conversation.channel == bindparam("channel"),
    Conversation.chat_id == bindparam("chat_id"),
    Conversation.thread_id == bindparam("thread_id"),
    # A literal, so the partial unique index on open addresses serves the lookup; with a
    # bound parameter SQLite used it only by re-planning the statement for every value, and
    # the plan made without the value scans every conversation (#4).
    Conversation.status != literal_column(f"'{ConversationStatus.CLOSED.value}'"),
)
# PostgreSQL: serialise writers of one conversation across workers.
_OPEN_AT_FOR_UPDATE = _OPEN_AT.with_for_update()


class ConversationRepository(Repository):
    async def get(self, conversation_id: int, *, for_update: bool = False) -> Conversation:
        stmt = select(Conversation).where(Conversation.id == conversation_id)
        if for_update:
            stmt = stmt.with_for_update()
        conversation = (await self.session.scalars(stmt)).first()
        if conversation is None:
            raise NotFound(f"conversation {conversation_id} not found")
        return conversation

    async def open_at(
        self, address: AddressKey, *, for_update: bool = False
    ) -> Conversation | None:
        stmt = _OPEN_AT_FOR_UPDATE if for_update else _OPEN_AT
        params = {
            "channel": address.channel,
            "chat_id": address.chat_id,
            "thread_id": address.thread_id,
        }
        return (await self.session.scalars(stmt, params)).first()

    async def open_or_create(
        self, address: AddressKey, contact_id: int, *, language: str | None = None
    ) -> Conversation:
        found = await self.open_at(address, for_update=True)
        if found is not None:
            return found
        now = self.clock.now()
        conversation = Conversation(
            contact_id=contact_id,
            channel=address.channel,
            chat_id=address.chat_id,
            thread_id=address.thread_id,
            language=language,
            status=ConversationStatus.BOT.value,
            state={},
            created_at=now,
            updated_at=now,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(conversation)
        except IntegrityError as exc:
            if not violated(exc, "conversations", "uq_conversations_open_address"):
                raise
            winner = await self.open_at(address, for_update=True)
            assert winner is not None
            return winner
        return conversation

    async def save_state(self, conversation: Conversation, state: dict[str, Any]) -> None:
        # A new dict object, so the JSON column is seen as changed.
        conversation.state = dict(state)
        conversation.updated_at = self.clock.now()
        await self.session.flush()

    async def set_status(
        self, conversation: Conversation, status: ConversationStatus | str, **fields: Any
    ) -> Conversation:
        status = ConversationStatus(status)
        if conversation.status == ConversationStatus.CLOSED and status != ConversationStatus.CLOSED:
            raise InvalidTransition("conversation", conversation.status, status)
        now = self.clock.now()
        previous = conversation.status
        conversation.status = status.value
        conversation.updated_at = now
        if status == ConversationStatus.CLOSED:
            conversation.closed_at = now
        for key, value in fields.items():
            if key not in {"assigned_rep_id", "slack_channel", "slack_thread_ts", "language"}:
                raise TypeError(f"set_status cannot set {key}")
            setattr(conversation, key, value)
        if status == ConversationStatus.HANDOFF and previous != ConversationStatus.HANDOFF:
            self.emit(
                "handoff.requested",
                conversation_id=conversation.id,
                contact_id=conversation.contact_id,
                channel=conversation.channel,
            )
        await self.session.flush()
        return conversation

    async def for_contact(self, contact_id: int) -> list[Conversation]:
        stmt = select(Conversation).where(Conversation.contact_id == contact_id)
        return list((await self.session.scalars(stmt.order_by(Conversation.id))).all())
