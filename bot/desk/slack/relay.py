"""A rep's replies in a handoff thread -> the customer, on the customer's own channel.

Only the rep who claimed the card speaks to the customer. Everyone else in the thread, and
any message starting with ``note:``, stays internal (nothing is sent, nothing is stored).
Replies are converted from Slack mrkdwn to plain text and go out in the order they were
written: one thread is handled at a time, in arrival order.

Duplicates: Slack retries an event it thinks we missed (``X-Slack-Retry-Num``), sometimes
while the first delivery is still being handled. The agent message is stored with
``channel_message_id = "slack-reply:<channel>:<ts>"``; the store's unique
``(channel, channel_message_id)`` refuses the second copy, so the customer gets it once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.desk.slack.cards import CLAIMED, HANDOFF, OPEN, SlackCards
from bot.desk.slack.once import Once
from bot.hub import ConversationHub
from channels.base import DeliveryError
from channels.slack.api import SlackApi
from channels.slack.background import ORDER_WAIT_SECONDS
from channels.slack.escape import to_plain_text
from channels.slack.translate import ThreadReply
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.models import ConversationStatus, Role
from crm_store.uow import UnitOfWork
from dialogs.core.locks import InMemoryLocks

log = logging.getLogger(__name__)

HubRef = Callable[[], ConversationHub]


async def send_to_customer(
    hub: ConversationHub,
    conversation_id: int,
    text: str,
    *,
    role: Role = Role.AGENT,
    rep_id: int | None = None,
    dedupe_id: str | None = None,
) -> bool:
    """``hub.send_as_agent`` with a dedupe id; False if that Slack message was already sent."""
    receipt = await hub.send_as_agent(
        conversation_id, text, rep_id=rep_id, role=role, dedupe_id=dedupe_id
    )
    return receipt.status != "duplicate"


class Relay:
    def __init__(self, *, db: Database, clock: Clock, api: SlackApi, hub: HubRef) -> None:
        self.db = db
        self.clock = clock
        self.api = api
        self.hub = hub
        self._order = InMemoryLocks(timeout=ORDER_WAIT_SECONDS)
        self._hinted = Once()

    async def handle(self, reply: ThreadReply) -> str:
        """Relay one thread reply; returns what happened (for logs and tests)."""
        async with self._order.hold((reply.channel, reply.thread_ts)):
            return await self._handle(reply)

    async def _handle(self, reply: ThreadReply) -> str:
        async with UnitOfWork(self.db, self.clock) as uow:
            card = await SlackCards(uow).by_message(reply.channel, reply.thread_ts)
            if card is None or card.kind != HANDOFF or card.conversation_id is None:
                return "not_a_handoff"
            rep = await uow.reps.by_slack_user(reply.user)
            conversation = await uow.conversations.get(card.conversation_id)
            names = {r.slack_user_id: r.name for r in await uow.reps.list() if r.slack_user_id}
        if reply.is_note:
            return "note"
        is_owner = card.status == CLAIMED and rep is not None and card.claimed_by_rep_id == rep.id
        if not is_owner:
            if card.status == OPEN and rep is not None:
                await self._hint_claim(reply)
            return "internal"
        if conversation.status != ConversationStatus.HANDOFF:
            return "closed"
        text = to_plain_text(reply.text, names)
        if not text:
            return "empty"
        sent = await send_to_customer(
            self.hub(),
            conversation.id,
            text,
            role=Role.AGENT,
            rep_id=rep.id if rep else None,
            dedupe_id=reply.dedupe_id,
        )
        return "sent" if sent else "duplicate"

    async def _hint_claim(self, reply: ThreadReply) -> None:
        # Once per message, even if Slack delivers the event again.
        if not self._hinted.first(reply.dedupe_id):
            return
        try:
            await self.api.ephemeral(
                reply.channel,
                reply.user,
                "Nobody has claimed this handoff yet, so your reply stayed in Slack. "
                "Click *Claim* on the card first; then your replies here reach the customer.",
                thread_ts=reply.thread_ts,
            )
        except DeliveryError as exc:
            log.warning("could not tell %s to claim first: %s", reply.user, exc)
