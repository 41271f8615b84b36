"""The reps' buttons: Claim, Resolve, Hand back to bot, Book follow-up, follow-up outcomes.

Payloads (the button's value): ``handoff:claim|resolve|bot|book:<card_id>`` and
``followup:done|noshow|reschedule:<follow_up_id>``.

Decisions:
- Claim: first rep wins (``SlackCards.claim``); the card then shows the owner, the customer
  is told who joined, and the re-announce/escalate timers are cancelled. A later click gets
  an ephemeral "already claimed by X" and changes nothing.
- Resolve and Hand back: the owner, or anyone while nobody has claimed it. Both return the
  conversation to status ``bot`` (not ``closed``): the customer stays in the same
  conversation, the bot answers again, and the survey (Resolve only) arrives in it —
  a closed conversation would make the customer's survey answer open a new one.
  Resolve schedules ``survey.dispatch`` after ``survey.delay_after_handoff_minutes``
  (dedupe ``contact:<cid>:survey:handoff:<card_id>``, trigger_ref ``handoff:<card_id>``).
- Book follow-up (lead cards): claims the lead if nobody has, then starts the booking flow
  in the customer's conversation; the calendar prefers the lead's owner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.desk.slack.cards import HANDED_BACK, HANDOFF, RESOLVED, SlackCards, task_prefix
from bot.desk.slack.desk import SlackDesk
from bot.desk.slack.relay import send_to_customer
from bot.followup_outcome import record_outcome
from bot.hub import ConversationHub
from bot.settings.model import Settings
from channels.base import DeliveryError
from channels.slack import blocks as bk
from channels.slack.api import SlackApi
from channels.slack.escape import escape_text
from channels.slack.translate import Click
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.models import ConversationStatus, Rep, Role
from crm_store.models.ops import SlackCard
from crm_store.uow import UnitOfWork

log = logging.getLogger(__name__)

HubRef = Callable[[], ConversationHub]
OUTCOMES = {"done": "done", "noshow": "no_show", "reschedule": "reschedule"}


class DeskActions:
    def __init__(
        self,
        *,
        api: SlackApi,
        db: Database,
        clock: Clock,
        settings: Settings,
        desk: SlackDesk,
        hub: HubRef,
    ) -> None:
        self.api = api
        self.db = db
        self.clock = clock
        self.settings = settings
        self.desk = desk
        self.hub = hub

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.clock)

    async def handle(self, click: Click) -> str:
        """Run one click; returns what happened (for logs and tests)."""
        area, _, rest = click.payload.partition(":")
        verb, _, ref = rest.partition(":")
        if not ref.isdigit():
            return "unknown"
        async with self.uow() as uow:
            rep = await uow.reps.by_slack_user(click.user)
        if rep is None:
            await self._tell(
                click,
                "You are not set up as a sales rep: add your Slack member ID to "
                "config/reps.yaml (slack_user_id).",
            )
            return "not_a_rep"
        if area == "handoff" and verb == "claim":
            return await self.claim(int(ref), rep, click)
        if area == "handoff" and verb in ("resolve", "bot"):
            return await self.close(
                int(ref), rep, click, RESOLVED if verb == "resolve" else HANDED_BACK
            )
        if area == "handoff" and verb == "book":
            return await self.book(int(ref), rep, click)
        if area == "followup" and verb in OUTCOMES:
            return await self.follow_up(int(ref), OUTCOMES[verb], rep, click)
        return "unknown"

    # ── claim ──────────────────────────────────────────────────────────────

    async def claim(self, card_id: int, rep: Rep, click: Click) -> str:
        owner: Rep | None = None
        async with self.uow() as uow:
            cards = SlackCards(uow)
            won = await cards.claim(card_id, rep.id)
            card = await cards.get(card_id)
            if card is None:
                return "unknown"
            if won:
                await self._take_ownership(uow, card, rep, click.user)
            elif card.claimed_by_rep_id is not None:
                owner = await uow.reps.get(card.claimed_by_rep_id)
            kind, status, conversation_id = card.kind, card.status, card.conversation_id
            language = await self._language(uow, conversation_id)
        if not won:
            if owner is not None and owner.id == rep.id:
                await self._tell(click, "You already claimed this.")
            elif owner is not None:
                await self._tell(click, f"Already claimed by {_mention(owner)}.")
            else:
                await self._tell(click, f"This is already {status.replace('_', ' ')}.")
            return "taken"
        await self.desk.refresh_card(card_id)
        await self._settle(click, card_id, f":white_check_mark: Claimed by <@{click.user}>")
        if kind == HANDOFF and conversation_id is not None:
            await self._thread(
                card_id,
                f"<@{click.user}> claimed this handoff. Your replies in this thread go to the "
                "customer; start a message with `note:` to keep it internal.",
            )
            text = self.hub().services.content.text("handoff_rep_joined", language, rep=rep.name)
            await send_to_customer(
                self.hub(),
                conversation_id,
                text,
                role=Role.BOT,
                dedupe_id=f"slack-claimed:{card_id}",
            )
        return "claimed"

    async def _take_ownership(self, uow: UnitOfWork, card: SlackCard, rep: Rep, user: str) -> None:
        contact_id = None
        if card.conversation_id is not None:
            conversation = await uow.conversations.get(card.conversation_id, for_update=True)
            conversation.assigned_rep_id = rep.id
            contact_id = conversation.contact_id
        lead = await uow.leads.get(card.lead_id) if card.lead_id else None
        if lead is None and contact_id is not None:
            lead = await uow.leads.open_for_contact(contact_id)
        if lead is not None and lead.owner_rep_id is None:
            await uow.leads.update(lead, owner_rep_id=rep.id)
        contact_id = contact_id or (lead.contact_id if lead else None)
        if contact_id is not None:
            await uow.tasks.cancel(dedupe_prefix=task_prefix(contact_id, card.id))
        await uow.audit.log(
            f"slack:{user}", f"{card.kind}.claimed", target_type="slack_card", target_id=card.id
        )

    # ── resolve / hand back ────────────────────────────────────────────────

    async def close(self, card_id: int, rep: Rep, click: Click, status: str) -> str:
        survey_due = None
        async with self.uow() as uow:
            cards = SlackCards(uow)
            card = await cards.get(card_id)
            if card is None or card.kind != HANDOFF or card.conversation_id is None:
                return "unknown"
            if card.claimed_by_rep_id not in (None, rep.id):
                owner = await uow.reps.get(card.claimed_by_rep_id)
                verb = "resolve" if status == RESOLVED else "hand back"
                await self._tell(click, f"Only {_mention(owner)}, who claimed it, can {verb} it.")
                return "not_owner"
            closed = await cards.close(card_id, status, by_rep_id=rep.id)
            if closed:
                survey_due = await self._return_to_bot(uow, card, rep, status, click.user)
            language = await self._language(uow, card.conversation_id)
            conversation_id = card.conversation_id
            current = (await cards.get(card_id) or card).status
        if not closed:
            await self._tell(click, f"This handoff is already {current.replace('_', ' ')}.")
            return "already_closed"
        await self.desk.refresh_card(card_id, closed_by_slack_id=click.user)
        if status == RESOLVED:
            when = f"{survey_due:%H:%M} UTC" if survey_due else "later"
            note = f"Resolved by <@{click.user}>. The survey goes out at {when}."
        else:
            note = f"Handed back to the bot by <@{click.user}>. No survey."
        await self._settle(click, card_id, f":white_check_mark: {note}")
        await self._thread(card_id, note)
        text = self.hub().services.content.text("handoff_ended", language)
        await send_to_customer(
            self.hub(), conversation_id, text, role=Role.BOT, dedupe_id=f"slack-ended:{card_id}"
        )
        return "resolved" if status == RESOLVED else "handed_back"

    async def _return_to_bot(
        self, uow: UnitOfWork, card: SlackCard, rep: Rep, status: str, user: str
    ) -> datetime | None:
        assert card.conversation_id is not None
        conversation = await uow.conversations.get(card.conversation_id, for_update=True)
        if conversation.status == ConversationStatus.HANDOFF:
            await uow.conversations.set_status(conversation, ConversationStatus.BOT)
        if conversation.assigned_rep_id is None:
            conversation.assigned_rep_id = rep.id  # the survey is about whoever resolved it
        await uow.tasks.cancel(dedupe_prefix=task_prefix(conversation.contact_id, card.id))
        await uow.audit.log(
            f"slack:{user}",
            "handoff.resolved" if status == RESOLVED else "handoff.handed_back",
            target_type="conversation",
            target_id=conversation.id,
            detail={"card_id": card.id},
        )
        if status != RESOLVED:
            return None
        due = self.clock.now() + timedelta(minutes=self.settings.survey.delay_after_handoff_minutes)
        task = await uow.tasks.schedule(
            "survey.dispatch",
            due,
            {
                "conversation_id": conversation.id,
                "trigger": "handoff",
                "trigger_ref": f"handoff:{card.id}",
            },
            dedupe_key=f"contact:{conversation.contact_id}:survey:handoff:{card.id}",
        )
        return task.due_at

    # ── book a follow-up from a lead card ──────────────────────────────────

    async def book(self, card_id: int, rep: Rep, click: Click) -> str:
        async with self.uow() as uow:
            cards = SlackCards(uow)
            card = await cards.get(card_id)
            if card is None:
                return "unknown"
            if await cards.claim(card_id, rep.id):
                await self._take_ownership(uow, card, rep, click.user)
            conversation_id = card.conversation_id
            if conversation_id is None and card.lead_id is not None:
                lead = await uow.leads.get(card.lead_id)
                found = await uow.conversations.for_contact(lead.contact_id)
                conversation_id = found[-1].id if found else None
        if conversation_id is None:
            await self._tell(click, "This lead has no conversation to send a booking offer to.")
            return "no_conversation"
        await self.desk.refresh_card(card_id)
        await self.hub().trigger(conversation_id, "booking")
        await self._thread(card_id, f"<@{click.user}> sent the customer times to book a call.")
        return "booking_offered"

    # ── follow-up outcomes (buttons on "how did the call go?" messages) ────

    async def follow_up(self, follow_up_id: int, outcome: str, rep: Rep, click: Click) -> str:
        hub = self.hub()
        try:
            async with self.uow() as uow:
                recorded = await record_outcome(
                    uow,
                    follow_up_id,
                    outcome,
                    clock=self.clock,
                    settings=self.settings,
                    content=hub.services.content,
                    actor=f"slack:{click.user}",
                )
        except Exception as exc:  # noqa: BLE001 - a bad click must not kill the listener
            log.exception("follow-up %s outcome %s failed", follow_up_id, outcome)
            await self._tell(click, f"Could not record that: {type(exc).__name__}.")
            return "failed"
        if recorded.conversation_id is not None:
            # The customer's "we missed each other" went to the outbox in that transaction:
            # send just that (a sweep of the whole outbox would lock every conversation).
            await hub.outbox.deliver_now(recorded.conversation_id)
        said = escape_text(recorded.said)
        await self._settle(click, None, f":white_check_mark: {said} — <@{click.user}>")
        return outcome

    # ── helpers ────────────────────────────────────────────────────────────

    async def _language(self, uow: UnitOfWork, conversation_id: int | None) -> str:
        default = self.settings.business.default_language
        if conversation_id is None:
            return default
        return (await uow.conversations.get(conversation_id)).language or default

    async def _tell(self, click: Click, text: str) -> None:
        if not click.channel:
            return
        try:
            await self.api.ephemeral(click.channel, click.user, text, thread_ts=click.thread_ts)
        except DeliveryError as exc:
            log.warning("ephemeral to %s failed: %s", click.user, exc)

    async def _thread(self, card_id: int, text: str) -> None:
        try:
            await self.desk.post_in_thread(card_id, text)
        except DeliveryError as exc:
            log.warning("thread note on card %s failed: %s", card_id, exc)

    async def _settle(self, click: Click, card_id: int | None, note: str) -> None:
        """On a message other than the card (a re-announcement, a DM), swap the buttons
        for a line saying what was done, so nobody clicks a stale button."""
        blocks = click.message.get("blocks")
        if not click.channel or not click.message_ts or not blocks:
            return
        if card_id is not None:
            async with self.uow() as uow:
                card = await SlackCards(uow).get(card_id)
            if card is not None and card.ts == click.message_ts:
                return  # the card itself was redrawn already
        kept = [b for b in blocks if b.get("type") != "actions"]
        kept.append(bk.context(note))
        try:
            await self.api.update(
                click.channel, click.message_ts, str(click.message.get("text", "")), kept[:50]
            )
        except DeliveryError as exc:
            log.warning("could not update the clicked message: %s", exc)


def _mention(rep: Rep) -> str:
    return f"<@{rep.slack_user_id}>" if rep.slack_user_id else rep.name
