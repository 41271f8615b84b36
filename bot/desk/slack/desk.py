"""The Slack desk: the ``HandoffService`` that puts conversations in front of the reps.

- ``requested``: a handoff card in the sales channel (one thread per handoff), a
  ``slack_cards`` row, and the timers ``handoff.reannounce`` / ``handoff.escalate``
  (``settings.handoff.reannounce_after_minutes`` / ``escalate_after_minutes``; dedupe
  ``contact:<cid>:handoff:<card_id>:reannounce|escalate``; claiming or closing cancels them).
- ``customer_message``: the customer's new message, escaped, in the card's thread.
- ``lead_qualified``: a lead card with Claim / Book follow-up. When the conversation is
  already with a rep (a live handoff thread), a note in that thread instead: the rep is
  talking to the customer, a second card would only split the conversation.

The hub calls ``notify`` after its commit while it holds the conversation's lock, so the
work is handed to ``Background`` (a slow or rate-limited Slack never holds the customer
up) and run one conversation at a time in arrival order (the card before the messages).
A card whose post failed keeps ``ts`` NULL; ``repost_unposted`` (run at start) retries it.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.desk.slack import cardview
from bot.desk.slack.cards import HANDOFF, LEAD, SlackCards
from bot.scheduler.schedule import schedule_handoff_followups
from bot.settings.model import Settings
from channels.base import DeliveryError
from channels.slack import blocks as bk
from channels.slack.api import Posted, SlackApi
from channels.slack.background import ORDER_WAIT_SECONDS, Background
from channels.slack.escape import escape_text
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.uow import UnitOfWork
from dialogs.core.events import HandoffEvent
from dialogs.core.locks import InMemoryLocks

log = logging.getLogger(__name__)


class SlackDesk:
    def __init__(
        self,
        *,
        api: SlackApi,
        db: Database,
        clock: Clock,
        settings: Settings,
        background: Background,
    ) -> None:
        self.api = api
        self.db = db
        self.clock = clock
        self.settings = settings
        self.background = background
        self.channel = settings.channels.slack.sales_channel
        self._order = InMemoryLocks(timeout=ORDER_WAIT_SECONDS)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.clock)

    async def notify(self, event: HandoffEvent) -> None:
        self.background.spawn(self._in_order(event), name=f"slack-{event.kind}")

    async def _in_order(self, event: HandoffEvent) -> None:
        async with self._order.hold(event.conversation_id):
            if event.kind == "requested":
                await self.open_handoff(event)
            elif event.kind == "customer_message":
                await self.relay_customer_message(event)
            elif event.kind == "lead_qualified":
                await self.lead_qualified(event)
            else:
                log.warning("unknown handoff event %r", event.kind)

    # ── handoff cards ──────────────────────────────────────────────────────

    async def open_handoff(self, event: HandoffEvent) -> int:
        """Create (once) and post the card of a handoff; returns the card id."""
        async with self.uow() as uow:
            cards = SlackCards(uow)
            card = await cards.live_handoff(event.conversation_id)
            if card is not None and card.ts:
                return card.id  # already announced (a repeated event)
            if card is None:
                conversation = await uow.conversations.get(event.conversation_id)
                lead = await uow.leads.open_for_contact(conversation.contact_id)
                card = await cards.create(
                    HANDOFF,
                    conversation_id=conversation.id,
                    lead_id=event.lead_id or (lead.id if lead else None),
                )
                # Scheduled with the card (not after posting it), so even a card Slack
                # refused is re-announced to someone.
                await schedule_handoff_followups(
                    uow,
                    card_id=card.id,
                    conversation_id=conversation.id,
                    contact_id=conversation.contact_id,
                    requested_at=self.clock.now(),
                    settings=self.settings,
                )
            view = await cardview.load(uow, card, asked=event.text, reason=event.reason)
        await self._post_card(card.id, view)
        return card.id

    async def _post_card(self, card_id: int, view: cardview.CardView) -> Posted | None:
        text, blocks = cardview.render(view)
        try:
            posted = await self.api.post(self.channel, text, blocks)
        except DeliveryError as exc:
            log.error("could not post card %s to %s: %s", card_id, self.channel, exc)
            return None
        async with self.uow() as uow:
            card = await SlackCards(uow).get(card_id)
            if card is None:
                return posted
            await SlackCards(uow).mark_posted(card, posted.channel, posted.ts)
            if card.kind == HANDOFF and card.conversation_id is not None:
                conversation = await uow.conversations.get(card.conversation_id, for_update=True)
                conversation.slack_channel = posted.channel
                conversation.slack_thread_ts = posted.ts
                conversation.updated_at = self.clock.now()
        return posted

    async def refresh_card(self, card_id: int, *, closed_by_slack_id: str | None = None) -> None:
        """Redraw a posted card after its state changed (claimed, resolved...)."""
        async with self.uow() as uow:
            card = await SlackCards(uow).get(card_id)
            if card is None or not card.ts or not card.channel:
                return
            view = await cardview.load(uow, card)
        if closed_by_slack_id:
            view = replace(view, closed_by_slack_id=closed_by_slack_id)
        text, blocks = cardview.render(view)
        try:
            await self.api.update(card.channel, card.ts, text, blocks)
        except DeliveryError as exc:
            log.warning("could not update card %s: %s", card_id, exc)

    async def post_in_thread(self, card_id: int, text: str) -> None:
        """A line in a card's thread (``text`` is mrkdwn, already escaped where needed)."""
        async with self.uow() as uow:
            card = await SlackCards(uow).get(card_id)
        if card is None or not card.ts or not card.channel:
            return
        await self.api.post(card.channel, bk.fallback(text), bk.sections(text), thread_ts=card.ts)

    async def repost_unposted(self) -> int:
        """Post the cards whose first post failed (e.g. Slack was down); returns how many."""
        async with self.uow() as uow:
            cards = await SlackCards(uow).unposted()
            views = [await cardview.load(uow, card) for card in cards]
        posted = 0
        for view in views:
            posted += await self._post_card(view.card_id, view) is not None
        return posted

    # ── the customer's side of a live thread ───────────────────────────────

    async def relay_customer_message(self, event: HandoffEvent) -> None:
        async with self.uow() as uow:
            card = await SlackCards(uow).live_handoff(event.conversation_id)
            if card is None:
                return
            view = None if card.ts else await cardview.load(uow, card)
            name = await cardview.customer_name(uow, await uow.contacts.get(event.contact_id))
        if view is not None:  # the card never made it: post it now, with this message in it
            await self._post_card(card.id, view)
            return
        text = f"*{escape_text(name)}:* {escape_text(event.text) or '_(no text)_'}"
        channel = card.channel or self.channel
        try:
            await self.api.post(channel, bk.fallback(text), bk.sections(text), thread_ts=card.ts)
        except DeliveryError as exc:
            log.error("message of conversation %s not relayed: %s", event.conversation_id, exc)

    # ── lead cards ─────────────────────────────────────────────────────────

    async def lead_qualified(self, event: HandoffEvent) -> None:
        if event.lead_id is None:
            return
        async with self.uow() as uow:
            live = await SlackCards(uow).live_handoff(event.conversation_id)
            lead = await uow.leads.get(event.lead_id)
            summary = cardview.lead_summary(lead)
        if live is not None and live.ts:
            await self.post_in_thread(live.id, f":star: Lead qualified: {escape_text(summary)}")
            return
        await self.post_lead_card(event.lead_id, event.conversation_id)

    async def post_lead_card(self, lead_id: int, conversation_id: int | None = None) -> int:
        """One card per lead (a repeated call returns the existing one)."""
        async with self.uow() as uow:
            cards = SlackCards(uow)
            card = await cards.for_lead(lead_id)
            if card is not None and card.ts:
                return card.id
            if card is None:
                card = await cards.create(LEAD, conversation_id=conversation_id, lead_id=lead_id)
            view = await cardview.load(uow, card, reason="lead_qualified")
        await self._post_card(card.id, view)
        return card.id
