"""From the store to the visitor's open sockets, in ``seq`` order.

The store is the source of truth: a socket is sent the committed messages of its
conversation after the last ``seq`` it has, whether they are a resume after a drop, the
echo of the customer's own message, bot replies or a rep's message. One code path serves
all of them, so a reconnecting tab and a live tab can never see different histories.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import func, select

from channels.webchat.connections import ConnectionRegistry, Visitor
from channels.webchat.protocol import CHANNEL, Ready, message_frame, serialise
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.models import Conversation, Message
from crm_store.uow import UnitOfWork
from dialogs.core.transcript import message_to_reply

log = logging.getLogger(__name__)


class Feed:
    def __init__(self, db: Database, clock: Clock, registry: ConnectionRegistry) -> None:
        self.db = db
        self.clock = clock
        self.registry = registry
        self._tasks: set[asyncio.Task[None]] = set()

    async def resume_point(
        self, visitor_id: str, conversation: int | None, last_seq: int
    ) -> tuple[int | None, int]:
        """Where a connecting socket resumes: ``(conversation id, seq to replay after)``.

        The visitor's latest conversation is shown, closed or not, so a reload after a
        resolved handoff still shows it. A ``last_seq`` the store cannot honour (another
        conversation, or ahead of the store) restarts from 0.
        """
        async with UnitOfWork(self.db, self.clock) as uow:
            latest = await uow.session.scalar(
                select(Conversation.id)
                .where(Conversation.channel == CHANNEL, Conversation.chat_id == visitor_id)
                .order_by(Conversation.id.desc())
                .limit(1)
            )
            if latest is None:
                return None, 0
            top = await uow.session.scalar(
                select(func.coalesce(func.max(Message.seq), 0)).where(
                    Message.conversation_id == latest
                )
            )
        if conversation != latest or last_seq > int(top or 0):
            return latest, 0
        return latest, last_seq

    async def flush(self, visitor: Visitor) -> None:
        """Send every socket of the visitor what it has not seen yet."""
        async with visitor.lock:
            visitor.dirty = False
            connections = [c for c in visitor.connections if not c.closed]
            if not connections or visitor.conversation_id is None:
                return
            after = min(c.last_seq for c in connections)
            async with UnitOfWork(self.db, self.clock) as uow:
                rows = await uow.messages.transcript(visitor.conversation_id, after_seq=after)
            for row in rows:
                frame = message_frame(
                    row.seq,
                    row.role,
                    message_to_reply(row),
                    row.channel_message_id,
                    visitor.visitor_id,
                )
                text = serialise(frame)
                for connection in connections:
                    if row.seq > connection.last_seq and await connection.send(text):
                        connection.last_seq = row.seq

    async def follow(self, visitor: Visitor, conversation_id: int | None) -> None:
        """After a turn: switch to the turn's conversation if it is new, then flush."""
        if conversation_id is not None and conversation_id != visitor.conversation_id:
            async with visitor.lock:
                visitor.conversation_id = conversation_id
                # A new conversation numbers its messages from 1 again.
                ready = serialise(Ready(conversation_id, 0))
                for connection in list(visitor.connections):
                    connection.last_seq = 0
                    await connection.send(ready)
        await self.flush(visitor)

    def announce_all(self) -> None:
        """Announcements may have been missed (the bus lost its connection): check all."""
        for visitor_id in self.registry.visitor_ids():
            self.announce(visitor_id)

    def announce(self, visitor_id: str) -> None:
        """Something was committed for this visitor (by this worker or, through the bus,
        another one)."""
        visitor = self.registry.get(visitor_id)
        if visitor is None:
            return  # nobody connected: the message waits in the store for a resume
        visitor.dirty = True
        if visitor.busy:
            return  # the turn's own handler flushes when the turn is done
        if visitor.flush_task is None or visitor.flush_task.done():
            visitor.flush_task = asyncio.create_task(self._drain(visitor))
            self._tasks.add(visitor.flush_task)
            visitor.flush_task.add_done_callback(self._tasks.discard)

    async def _drain(self, visitor: Visitor) -> None:
        try:
            while visitor.dirty:
                await self.flush(visitor)
        except Exception:
            # The messages are committed; the next flush or a resume delivers them.
            log.exception("web chat flush for %s failed", visitor.visitor_id)

    async def push_all(self, visitor: Visitor, text: str) -> None:
        for connection in list(visitor.connections):
            await connection.send(text)
