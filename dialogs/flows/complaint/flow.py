"""A complaint is answered in one turn: an apology, a ``complaint`` event, a person offered.

The event (a domain event row, like leads' and bookings') is what the KPIs count and what
outgoing webhooks may forward to a service manager. It names the conversation but holds
none of the customer's words: those stay in the transcript, which erasure knows how to
forget, while events are kept.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dialogs.core.flow import Outcome
from dialogs.core.turn import Turn

EVENT = "complaint"


class ComplaintFlow:
    name: ClassVar[str] = "complaint"

    async def start(self, turn: Turn, **options: Any) -> Outcome:
        turn.state.fallbacks = 0  # understood: not a miss
        turn.uow.conversations.emit(
            EVENT,
            conversation_id=turn.conversation.id,
            contact_id=turn.contact.id,
            channel=turn.conversation.channel,
        )
        turn.say(
            turn.t("complaint_apology"),
            (turn.button("button_talk_to_sales", "handoff:request"),),
        )
        return Outcome.DONE

    async def handle(self, turn: Turn) -> Outcome:
        return await self.start(turn)

    async def reprompt(self, turn: Turn) -> None:
        return None
