"""Delivering the outbox: replies committed with their turn, sent after the commit.

Delivery is at-least-once: a crash after the platform accepted a message but before it is
marked delivered sends it again after the restart (preferable to losing it). Messages of
one conversation go out in sequence order; a failed one holds back the ones after it, so
a customer never sees answer 2 before answer 1.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta

from bot.metrics import Metrics
from channels.base import ChannelAdapter, DeliveryError
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.models import Conversation, Message
from crm_store.uow import UnitOfWork
from dialogs.core.locks import ConversationLocks, InMemoryLocks
from dialogs.core.transcript import message_to_reply
from dialogs.core.types import ChannelAddress

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
MAX_BACKOFF = timedelta(hours=1)
# The background sweep leaves a reply alone this long after it was written: the turn that
# wrote it delivers it right after its commit. Without it, under load the sweep took the
# lock of hundreds of conversations every round to find nothing left to do (issue #4).
SWEEP_GRACE = timedelta(seconds=10)


def address_of(conversation: Conversation) -> ChannelAddress:
    return ChannelAddress(conversation.channel, conversation.chat_id, conversation.thread_id)


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2**attempts), MAX_BACKOFF)


class Outbox:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        adapters: Mapping[str, ChannelAdapter],
        locks: ConversationLocks | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.adapters = adapters
        self.locks = locks or InMemoryLocks()
        self.metrics = metrics

    async def deliver(self, conversation_id: int) -> int:
        """Send the conversation's pending replies in order; the caller holds its lock."""
        async with UnitOfWork(self.db, self.clock) as uow:
            conversation = await uow.conversations.get(conversation_id)
            pending = await uow.messages.pending_for(conversation_id)
        return await self.deliver_loaded(conversation, pending)

    async def deliver_now(self, conversation_id: int) -> int:
        """Take the conversation's lock and send its pending replies: for work outside a
        turn (a task, a rep's click) that committed replies to one conversation."""
        async with UnitOfWork(self.db, self.clock) as uow:
            conversation = await uow.conversations.get(conversation_id)
        if conversation.channel not in self.adapters:
            return 0
        async with self.locks.hold(address_of(conversation)):
            return await self.deliver(conversation_id)

    async def deliver_loaded(self, conversation: Conversation, pending: list[Message]) -> int:
        """``deliver`` with the pending rows already read (by the transaction that wrote
        them), which saves the hub a transaction on every message."""
        adapter = self.adapters.get(conversation.channel)
        if adapter is None or not pending:
            return 0
        address = address_of(conversation)
        delivered: list[tuple[int, str | None]] = []
        failure: tuple[Message, DeliveryError] | None = None
        for message in pending:
            if message.next_attempt_at and message.next_attempt_at > self.clock.now():
                break  # in backoff: keep the order, try again later
            try:
                reply = message_to_reply(message)
                delivered.append(
                    (message.id, await adapter.send(address, reply, role=message.role))
                )
            except DeliveryError as exc:
                failure = (message, exc)
                break
        if self.metrics is not None:
            if delivered:
                self.metrics.delivered.labels(conversation.channel).inc(len(delivered))
            if failure:
                self.metrics.delivery_failures.labels(conversation.channel).inc()
        if delivered or failure:
            # One transaction records the whole round (not one per message): a crash before
            # it re-sends this round after the restart, which at-least-once delivery allows.
            await self._record(delivered, failure, address)
        return len(delivered)

    async def _record(
        self,
        delivered: list[tuple[int, str | None]],
        failure: tuple[Message, DeliveryError] | None,
        address: ChannelAddress,
    ) -> None:
        async with UnitOfWork(self.db, self.clock) as uow:
            await uow.messages.mark_delivered_by_id(delivered)
            if failure is not None:
                message, exc = failure
                attempts = message.attempts + 1
                retry_at = None
                if exc.transient and attempts < MAX_ATTEMPTS:
                    delay = (
                        timedelta(seconds=exc.retry_after) if exc.retry_after else backoff(attempts)
                    )
                    retry_at = self.clock.now() + delay
                log.warning(
                    "delivery of message %s to %s failed (attempt %s): %s",
                    message.id,
                    address.channel,
                    attempts,
                    exc,
                )
                row = await uow.session.get(Message, message.id)
                if row is not None:
                    await uow.messages.mark_attempt_failed(row, str(exc), retry_at)

    async def deliver_due(self, limit: int = 500, *, grace: timedelta = timedelta(0)) -> int:
        """Deliver everything due, e.g. after a restart or when a backoff has passed.

        ``grace``: skip replies never tried that are younger than this (their own turn is
        delivering them).
        """
        async with UnitOfWork(self.db, self.clock) as uow:
            due = await uow.messages.outbox_due(self.clock.now(), limit, fresh_before=grace)
            conversations = {m.conversation_id for m in due}
            targets = [await uow.conversations.get(cid) for cid in sorted(conversations)]
        sent = 0
        for conversation in targets:
            if conversation.channel not in self.adapters:
                continue
            async with self.locks.hold(address_of(conversation)):
                sent += await self.deliver(conversation.id)
        return sent

    async def run(self, interval: float = 2.0) -> None:
        """Background loop started by ``serve``: retries whatever is due."""
        while True:
            try:
                await self.deliver_due(grace=SWEEP_GRACE)
            except Exception:  # keep the loop alive; the next round retries
                log.exception("outbox delivery round failed")
            await asyncio.sleep(interval)
