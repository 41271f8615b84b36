"""Handing the conversation to a human rep.

While reps work, the conversation switches to ``handoff`` (from then on the hub relays the
customer's messages instead of running the bot) and the handoff service is told after the
commit. Outside working hours the bot says when someone is back and offers a booking.
"""

from __future__ import annotations

from typing import Any, ClassVar

from crm_store.models import ConversationStatus
from dialogs.core.events import HandoffEvent
from dialogs.core.flow import Outcome
from dialogs.core.turn import Turn
from dialogs.timing.availability import anyone_working, next_opening
from dialogs.timing.format import format_local


class HandoffFlow:
    name: ClassVar[str] = "handoff"

    async def start(self, turn: Turn, **options: Any) -> Outcome:
        reason = options.get("reason", "customer_request")
        conversation = turn.conversation
        if conversation.status == ConversationStatus.HANDOFF:
            turn.say(turn.t("handoff_waiting"))
            return Outcome.DONE
        now = turn.services.clock.now()
        reps = await turn.uow.reps.list(active_only=True)
        if not anyone_working(reps, now):
            opening = next_opening(reps, now)
            timezone = turn.contact.timezone or turn.services.settings.business.timezone
            when = format_local(opening, timezone, turn.lang) if opening else "—"
            turn.say(
                turn.t("handoff_outside_hours", when=when),
                (turn.button("button_book_call", "book:start"),),
            )
            return Outcome.DONE
        turn.state.leave()
        turn.state.fallbacks = 0
        await turn.uow.conversations.set_status(conversation, ConversationStatus.HANDOFF)
        lead = await turn.uow.leads.open_for_contact(turn.contact.id)
        turn.events.append(
            HandoffEvent(
                kind="requested",
                conversation_id=conversation.id,
                contact_id=turn.contact.id,
                reason=reason,
                text=turn.text,
                lead_id=lead.id if lead else None,
            )
        )
        turn.say(turn.t("handoff_started"))
        return Outcome.DONE

    async def handle(self, turn: Turn) -> Outcome:
        return await self.start(turn)

    async def reprompt(self, turn: Turn) -> None:
        return None
