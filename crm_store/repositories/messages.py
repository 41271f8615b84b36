"""Messages in both directions. Outbound rows in state ``pending`` are the outbox."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, literal_column, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from crm_store.clock import Clock
from crm_store.errors import DuplicateMessage
from crm_store.models import Conversation, Delivery, Direction, Message, Role
from crm_store.repositories.base import Repository

MAX_TEXT = 20_000


def _quick_replies(content: dict[str, Any] | None) -> dict[str, str]:
    return {b["title"]: b["payload"] for b in (content or {}).get("quick_replies", ())}


# Statements of every message's path, built once: building one (and its cache key) costs
# more than SQLite takes to run it (#4).
_LATEST = (
    select(Message.seq, Message.direction, Message.content)
    .where(Message.conversation_id == bindparam("conversation_id"))
    .order_by(Message.seq.desc())
    .limit(1)
)
_PENDING_FOR = (
    select(Message)
    .where(
        Message.conversation_id == bindparam("conversation_id"),
        # A literal, not a bound parameter: SQLite (and PostgreSQL's generic plans) use a
        # partial index only when the query's own text implies the index's WHERE.
        Message.delivery == literal_column(f"'{Delivery.PENDING.value}'"),
    )
    .order_by(Message.seq)
)
# ON CONFLICT DO NOTHING on the platform id: a retried delivery is refused by the insert
# itself, without a savepoint around it (issue #3: exactly once). Per dialect.
_INSERT_INBOUND = {
    name: insert(Message)
    .on_conflict_do_nothing(index_elements=["channel", "channel_message_id"])
    .returning(Message.id)
    for name, insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert))
}
# The web chat feed reads this after every turn.
_PAGE = 20  # rows per read when reading a conversation backwards
_TRANSCRIPT = (
    select(Message)
    .where(
        Message.conversation_id == bindparam("conversation_id"),
        Message.seq > bindparam("after_seq"),
    )
    .order_by(Message.seq)
)
_MARK_DELIVERED = (
    update(Message)
    .where(Message.id == bindparam("message_id"))
    .values(
        delivery=Delivery.DELIVERED.value,
        delivered_at=bindparam("now"),
        next_attempt_at=None,
        attempts=Message.attempts + 1,
        channel_message_id=func.coalesce(Message.channel_message_id, bindparam("platform_id")),
    )
)


class MessageRepository(Repository):
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        super().__init__(session, clock)
        self._last_seq: dict[int, int] = {}

    async def _next_seq(self, conversation_id: int) -> int:
        # Read once per unit of work, then counted here: the conversation is locked for the
        # whole transaction (its row on PostgreSQL, the write lock on SQLite), so nobody
        # else can take a number in between; the unique (conversation, seq) backs this up.
        last = self._last_seq.get(conversation_id)
        if last is None:
            stmt = select(func.coalesce(func.max(Message.seq), 0)).where(
                Message.conversation_id == conversation_id
            )
            last = int((await self.session.scalar(stmt)) or 0)
        self._last_seq[conversation_id] = last + 1
        return last + 1

    def forget_sequence_numbers(self) -> None:
        """After a rollback or a commit the counted numbers are no longer ours."""
        self._last_seq.clear()

    async def seen(self, channel: str, message_id: str) -> bool:
        stmt = select(Message.id).where(
            Message.channel == channel, Message.channel_message_id == message_id
        )
        return (await self.session.scalar(stmt)) is not None

    async def add_inbound(
        self,
        conversation: Conversation,
        *,
        channel: str,
        channel_message_id: str | None,
        text: str,
        payload: str | None = None,
        intent: str | None = None,
        confidence: float | None = None,
        stamp: bool = True,
    ) -> int:
        """Store what the customer said and return its id; ``DuplicateMessage`` if the
        platform id was seen before (on this channel). ``stamp=False`` leaves the
        conversation's ``last_message_at`` to the caller (the hub writes it with the turn's
        state, in one UPDATE)."""
        now = self.clock.now()
        values = {
            "conversation_id": conversation.id,
            "seq": await self._next_seq(conversation.id),
            "direction": Direction.IN.value,
            "role": Role.CUSTOMER.value,
            "channel": channel,
            "channel_message_id": channel_message_id,
            "text": text[:MAX_TEXT],
            "payload": payload,
            "intent": intent,
            "confidence": confidence,
            "delivery": Delivery.RECEIVED.value,
            "attempts": 0,
            "created_at": now,
        }
        connection = await self.session.connection()
        stmt = _INSERT_INBOUND[connection.dialect.name]
        message_id = (await connection.execute(stmt, values)).scalar()
        if message_id is None:
            self._last_seq.pop(conversation.id, None)
            raise DuplicateMessage(channel, channel_message_id or "")
        if stamp:
            conversation.last_message_at = now
        return int(message_id)

    async def add_outbound(
        self,
        conversation: Conversation,
        text: str,
        *,
        buttons: Sequence[Mapping[str, str]] = (),
        quick_replies: Sequence[Mapping[str, str]] = (),
        role: Role = Role.BOT,
        channel_message_id: str | None = None,
        flush: bool = True,
    ) -> Message:
        """Queue a reply in the outbox; a button is ``{"title": ..., "payload": ...}``.
        ``flush=False`` leaves the INSERT to the caller's next flush (the hub writes a
        turn's replies and its state in one)."""
        now = self.clock.now()
        message = Message(
            conversation_id=conversation.id,
            seq=await self._next_seq(conversation.id),
            direction=Direction.OUT.value,
            role=role.value,
            channel=conversation.channel,
            channel_message_id=channel_message_id,
            text=text[:MAX_TEXT],
            content={
                "buttons": [dict(b) for b in buttons],
                "quick_replies": [dict(b) for b in quick_replies],
            },
            delivery=Delivery.PENDING.value,
            next_attempt_at=now,
            created_at=now,
        )
        self.session.add(message)
        if flush:
            await self.session.flush()
        conversation.last_message_at = now
        return message

    async def outbox_due(
        self, now: datetime, limit: int = 100, *, fresh_before: timedelta = timedelta(0)
    ) -> list[Message]:
        """Pending replies whose time has come; never-tried ones only once older than
        ``fresh_before`` (the turn that wrote them is delivering them itself)."""
        stmt = (
            select(Message)
            .where(Message.delivery == Delivery.PENDING.value, Message.next_attempt_at <= now)
            .order_by(Message.conversation_id, Message.seq)
            .limit(limit)
        )
        if fresh_before:
            stmt = stmt.where(or_(Message.attempts > 0, Message.created_at <= now - fresh_before))
        return list((await self.session.scalars(stmt)).all())

    async def pending_for(self, conversation_id: int) -> list[Message]:
        params = {"conversation_id": conversation_id}
        return list((await self.session.scalars(_PENDING_FOR, params)).all())

    async def mark_delivered(self, message: Message, channel_message_id: str | None = None) -> None:
        """``mark_delivered_by_id`` for a loaded row, which is then read back."""
        await self.session.flush()
        await self.mark_delivered_by_id([(message.id, channel_message_id)])
        await self.session.refresh(message)

    async def mark_delivered_by_id(self, delivered: Sequence[tuple[int, str | None]]) -> None:
        """Record deliveries in one statement: ``(message id, the platform's id or None)``;
        a platform id fills ``channel_message_id`` only where it is still empty."""
        if not delivered:
            return
        now = self.clock.now()
        connection = await self.session.connection()
        await connection.execute(
            _MARK_DELIVERED,
            [{"message_id": m, "platform_id": p, "now": now} for m, p in delivered],
        )

    async def mark_attempt_failed(
        self, message: Message, error: str, retry_at: datetime | None
    ) -> None:
        """Record a failed delivery; ``retry_at=None`` gives up for good."""
        message.attempts += 1
        message.last_error = error[:2000]
        message.next_attempt_at = retry_at
        if retry_at is None:
            message.delivery = Delivery.FAILED.value
        await self.session.flush()

    async def recent_button_payloads(self, conversation_id: int, last: int = 20) -> list[str]:
        """Payloads of the buttons in the conversation's last outbound messages."""
        stmt = (
            select(Message.content)
            .where(Message.conversation_id == conversation_id, Message.direction == "out")
            .order_by(Message.seq.desc())
            .limit(last)
        )
        found: list[str] = []
        for content in (await self.session.scalars(stmt)).all():
            for key in ("buttons", "quick_replies"):
                found.extend(b["payload"] for b in (content or {}).get(key, ()))
        return found

    async def last_quick_replies(self, conversation_id: int) -> dict[str, str]:
        """Title -> payload of the quick replies in the latest outbound message."""
        # Usually the conversation's latest message is the bot's last answer: one read
        # then gives both that and the next sequence number (taken later in the turn).
        latest = (await self.session.execute(_LATEST, {"conversation_id": conversation_id})).first()
        if latest is None:
            self._last_seq.setdefault(conversation_id, 0)
            return {}
        self._last_seq.setdefault(conversation_id, int(latest.seq))
        if latest.direction == Direction.OUT.value:
            return _quick_replies(latest.content)
        stmt = (
            select(Message.content)
            .where(Message.conversation_id == conversation_id, Message.direction == "out")
            .order_by(Message.seq.desc())
            .limit(1)
        )
        return _quick_replies((await self.session.scalars(stmt)).first())

    async def transcript(
        self, conversation_id: int, *, after_seq: int = 0, limit: int | None = None
    ) -> list[Message]:
        stmt = _TRANSCRIPT if limit is None else _TRANSCRIPT.limit(limit)
        params = {"conversation_id": conversation_id, "after_seq": after_seq}
        return list((await self.session.scalars(stmt, params)).all())

    async def latest_where(
        self, conversation_id: int, keep: Callable[[Message], bool], count: int
    ) -> list[Message]:
        """The last ``count`` messages that ``keep`` accepts, oldest first: read backwards
        from the end a page at a time, so a long conversation is not read whole."""
        found: list[Message] = []
        before: int | None = None
        while len(found) < count:
            stmt = select(Message).where(Message.conversation_id == conversation_id)
            if before is not None:
                stmt = stmt.where(Message.seq < before)
            page = list(
                (await self.session.scalars(stmt.order_by(Message.seq.desc()).limit(_PAGE))).all()
            )
            found += [m for m in page if keep(m)]
            if len(page) < _PAGE:
                break
            before = page[-1].seq
        return found[:count][::-1]
