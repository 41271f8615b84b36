"""``ConversationHub.receive(InboundMessage)``: the single entry point of every channel.

For each message, in order: take the conversation's lock; in one transaction find or create
the contact, identity and conversation, store the message (the unique constraint refuses a
duplicate), run the dialog manager or relay to the rep, and write state, CRM rows and
replies (the outbox); commit; then tell the handoff service and deliver the outbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from sqlalchemy.exc import IntegrityError

from bot.handoff import HandoffService
from bot.logs import bind_conversation
from bot.metrics import Metrics
from bot.outbox import Outbox, address_of
from bot.privacy.suppression import is_suppressed, suppression_key
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.errors import DuplicateMessage, violated
from crm_store.models import Contact, Conversation, ConversationStatus, Message, Role
from crm_store.uow import UnitOfWork
from dialogs.core import payloads
from dialogs.core.events import HandoffEvent
from dialogs.core.locks import ConversationLocks
from dialogs.core.state import DialogState
from dialogs.core.transcript import address_key, inbound_fields, reply_fields
from dialogs.core.turn import DialogServices, Turn
from dialogs.core.types import ChannelAddress, InboundMessage, Receipt, Reply
from dialogs.manager import DialogManager
from dialogs.nlu import NluResult, detect_language, language_of_hint

log = logging.getLogger(__name__)

MAX_INBOUND_TEXT = 4000


class Understanding(Protocol):
    def parse(self, text: str, lang: str) -> NluResult: ...


class _Suppressed(Exception):
    """The sender's identity was erased: a late retry of an old event, not a new person."""


@dataclass
class _Outcome:
    conversation_id: int
    replies: list[Reply]
    events: list[HandoffEvent]
    # Read by the transaction that wrote the replies: delivery needs no re-read.
    conversation: Conversation
    pending: list[Message]
    relayed: bool = False


class ConversationHub:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        manager: DialogManager,
        nlu: Understanding,
        services: DialogServices,
        handoff: HandoffService,
        outbox: Outbox,
        locks: ConversationLocks | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics
        self.db = db
        self.clock = clock
        self.manager = manager
        self.nlu = nlu
        self.services = services
        self.handoff = handoff
        self.outbox = outbox
        self.locks = locks or outbox.locks

    async def receive(self, inbound: InboundMessage) -> Receipt:
        receipt = await self._receive(inbound)
        if self.metrics is not None:
            self.metrics.received.labels(inbound.address.channel, receipt.status).inc()
        return receipt

    async def _receive(self, inbound: InboundMessage) -> Receipt:
        if len(inbound.text) > MAX_INBOUND_TEXT:
            # Kept whole in the store would be fine, but no customer types this much: it is a
            # paste or an attack, and the NLU should not chew on it.
            inbound = replace(inbound, text=inbound.text[:MAX_INBOUND_TEXT])
        async with self.locks.hold(inbound.address):
            try:
                outcome = await self._process(inbound)
            except DuplicateMessage:
                log.info(
                    "duplicate %s message %s ignored", inbound.address.channel, inbound.message_id
                )
                return Receipt("duplicate")
            except _Suppressed:
                log.info("%s message from an erased identity dropped", inbound.address.channel)
                return Receipt("suppressed")
            await self._notify(outcome.events)
            delivered = await self.outbox.deliver_loaded(outcome.conversation, outcome.pending)
        status: Literal["handled", "relayed"] = "relayed" if outcome.relayed else "handled"
        return Receipt(status, outcome.conversation_id, tuple(outcome.replies), delivered)

    async def trigger(self, conversation_id: int, flow: str, **options: Any) -> Receipt:
        """Start a flow without a customer message (e.g. a survey after a resolved handoff)."""
        async with self.locks.hold(await self._address(conversation_id)):
            async with UnitOfWork(self.db, self.clock) as uow:
                conversation = await uow.conversations.get(conversation_id, for_update=True)
                contact = await uow.contacts.get(conversation.contact_id)
                lang = conversation.language or self.services.settings.business.default_language
                turn = self._turn(uow, conversation, contact, "", None, NluResult.empty(lang), lang)
                await self.manager.start(turn, flow, **options)
                await self._save(uow, turn)
                pending = await uow.messages.pending_for(conversation.id)
            await self._notify(turn.events)
            delivered = await self.outbox.deliver_loaded(conversation, pending)
        return Receipt("handled", conversation_id, tuple(turn.replies), delivered)

    async def send_as_agent(
        self,
        conversation_id: int,
        text: str,
        *,
        rep_id: int | None = None,
        role: Role = Role.AGENT,
        dedupe_id: str | None = None,
    ) -> Receipt:
        """A rep's message to the customer (e.g. a Slack thread reply during a handoff).

        Stored as an outbound ``agent`` message and delivered through the customer's channel
        like any reply, so it is in the transcript and survives a failed delivery.
        ``dedupe_id`` (e.g. the Slack message's channel and ts) makes a retried platform
        event harmless: the store keeps one message per id and channel.
        """
        async with self.locks.hold(await self._address(conversation_id)):
            try:
                async with UnitOfWork(self.db, self.clock) as uow:
                    conversation = await uow.conversations.get(conversation_id, for_update=True)
                    if dedupe_id and await uow.messages.seen(conversation.channel, dedupe_id):
                        return Receipt("duplicate", conversation_id)
                    if rep_id is not None and conversation.assigned_rep_id is None:
                        conversation.assigned_rep_id = rep_id
                    await uow.messages.add_outbound(
                        conversation, text, role=role, channel_message_id=dedupe_id
                    )
                    pending = await uow.messages.pending_for(conversation.id)
            except IntegrityError as exc:
                if dedupe_id and violated(
                    exc, "messages.channel, messages.channel_message_id", "uq_messages_channel"
                ):
                    return Receipt("duplicate", conversation_id)
                raise
            delivered = await self.outbox.deliver_loaded(conversation, pending)
        return Receipt("handled", conversation_id, (Reply(text),), delivered)

    async def _address(self, conversation_id: int) -> ChannelAddress:
        """The lock key of a conversation known by id (the lock is keyed by address)."""
        async with UnitOfWork(self.db, self.clock) as uow:
            return address_of(await uow.conversations.get(conversation_id))

    async def _process(self, inbound: InboundMessage) -> _Outcome:
        address = inbound.address
        detected = detect_language(inbound.text) if inbound.text else None
        async with UnitOfWork(self.db, self.clock) as uow:
            contact = await uow.contacts.by_identity(address.channel, inbound.user_id)
            if contact is None:
                # Erasure deletes the identity, so only an unknown sender can be an erased
                # one coming back through a late retry: returning customers skip the check.
                key = suppression_key(self.services.settings)
                if await is_suppressed(uow, address.channel, inbound.user_id, key):
                    raise _Suppressed
                contact = await uow.contacts.get_or_create_for_identity(
                    address.channel,
                    inbound.user_id,
                    display_name=inbound.display_name,
                    language=inbound.language_hint or detected,
                )
            if inbound.timezone_hint and not contact.timezone:
                # The browser's zone: booking then asks none. A zone the customer names
                # later still wins (the booking flow sets it).
                contact = await uow.contacts.update(contact, timezone=inbound.timezone_hint)
            conversation = await uow.conversations.open_or_create(
                address_key(address),
                contact.id,
                language=detected or language_of_hint(inbound.language_hint),
            )
            bind_conversation(conversation.id)
            if payloads.is_short(inbound.payload):
                offered = await uow.messages.recent_button_payloads(conversation.id)
                inbound = replace(inbound, payload=payloads.resolve(inbound.payload, offered))
            elif inbound.payload is None and inbound.text:
                # Channels whose quick replies come back as plain text (Telegram's reply
                # keyboard): a tap on one is the same as clicking it.
                tapped = (await uow.messages.last_quick_replies(conversation.id)).get(
                    inbound.text.strip()
                )
                if tapped:
                    inbound = replace(inbound, payload=tapped)
            if conversation.status == ConversationStatus.HANDOFF:
                await uow.messages.add_inbound(conversation, **inbound_fields(inbound))
                event = HandoffEvent(
                    "customer_message", conversation.id, contact.id, text=inbound.text
                )
                pending = await uow.messages.pending_for(conversation.id)
                return _Outcome(conversation.id, [], [event], conversation, pending, relayed=True)

            lang = _choose_language(conversation.language, detected, self.services)
            nlu = (
                self.nlu.parse(inbound.text, lang)
                if inbound.text.strip()
                else NluResult.empty(lang)
            )
            # Understood before it is stored, so the row is written once, intent included
            # (the NLU reads nothing from the store; a duplicate costs one wasted parse).
            # Stamped below, with the state: here it would cost an UPDATE of its own (the
            # savepoint flushes what is pending).
            await uow.messages.add_inbound(
                conversation,
                **inbound_fields(inbound),
                intent=nlu.intent,
                confidence=nlu.confidence,
                stamp=False,
            )
            conversation.language = lang
            turn = self._turn(uow, conversation, contact, inbound.text, inbound.payload, nlu, lang)
            turn.inbound = inbound
            if inbound.campaign:
                turn.state.campaign = inbound.campaign[:100]
            try:
                async with uow.session.begin_nested():
                    await self.manager.handle(turn)
            except Exception:
                # A bug in a flow must not lose the customer's message: keep it, undo the
                # flow's half-done writes, and apologise.
                log.exception("dialog manager failed on conversation %s", conversation.id)
                await uow.session.refresh(conversation)
                uow.messages.forget_sequence_numbers()
                turn.state = DialogState.from_json(conversation.state)
                turn.replies = [Reply(turn.t("error_generic"))]
                turn.events = []
            conversation.last_message_at = self.clock.now()
            await self._save(uow, turn)
            # Read in this transaction: older undelivered replies go out first, in order.
            pending = await uow.messages.pending_for(conversation.id)
            return _Outcome(conversation.id, turn.replies, turn.events, conversation, pending)

    def _turn(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        contact: Contact,
        text: str,
        payload: str | None,
        nlu: NluResult,
        lang: str,
    ) -> Turn:
        return Turn(
            text=text,
            payload=payload,
            nlu=nlu,
            lang=lang,
            state=DialogState.from_json(conversation.state),
            uow=uow,
            conversation=conversation,
            contact=contact,
            services=self.services,
        )

    @staticmethod
    async def _save(uow: UnitOfWork, turn: Turn) -> None:
        for reply in turn.replies:
            await uow.messages.add_outbound(turn.conversation, **reply_fields(reply), flush=False)
        # One flush: the replies and the conversation row (state, language, timestamps).
        await uow.conversations.save_state(turn.conversation, turn.state.to_json())

    async def _notify(self, events: list[HandoffEvent]) -> None:
        for event in events:
            try:
                await self.handoff.notify(event)
            except Exception:
                log.exception("handoff service failed on %s", event.kind)


def _choose_language(current: str | None, detected: str | None, services: DialogServices) -> str:
    """Sticky per conversation; Chinese text switches an English conversation to Chinese.

    A Latin-script message in a Chinese conversation is usually an e-mail address, a product
    name or "ok", so it does not switch back; "English please" does (the manager handles it).
    """
    if current is None:
        return detected or services.settings.business.default_language
    if detected == "zh" and current != "zh":
        return "zh"
    return current
