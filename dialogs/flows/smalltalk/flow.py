"""Greetings, thanks, goodbyes, "are you a bot?", the help menu, and "cancel" with nothing
to cancel.

Modes named after a small-talk intent (``greet``, ``thanks``...) are things the customer
said and the bot understood, so a run of unanswered messages ends; ``start`` (a channel's
own start command) and ``menu`` (a help button, or the default) are not.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dialogs.core.feedback import ask_for_feedback
from dialogs.core.flow import Outcome
from dialogs.core.menu import next_steps
from dialogs.core.turn import Turn
from dialogs.core.types import Button

CHAT = frozenset(
    {
        "greet", "goodbye", "thanks", "help", "bot_challenge", "affirm", "deny",
        "cancel", "change_language",
    }
)  # fmt: skip
_SIMPLE = {"goodbye": "goodbye", "thanks": "thanks_reply", "bot_challenge": "bot_challenge"}


class SmallTalkFlow:
    name: ClassVar[str] = "smalltalk"

    async def start(self, turn: Turn, **options: Any) -> Outcome:
        mode = options.get("mode", "menu")
        if mode in CHAT:
            turn.state.fallbacks = 0
        if mode in ("greet", "start"):
            if turn.contact.name and await _returning(turn):
                turn.say(turn.t("greeting_returning", name=turn.contact.name), next_steps(turn))
            else:
                turn.say(turn.t("greeting"), next_steps(turn))
        elif mode == "cancel":
            # Only reached with no flow active: an active form or booking takes "cancel"
            # itself (the manager hands every message to the active flow first).
            turn.say(turn.t("nothing_to_cancel"), next_steps(turn))
        elif mode == "change_language":
            # "Can you speak another language?" without naming one: offer both.
            turn.say(
                turn.t("language_choose"),
                (Button("English", "lang:en"), Button("中文", "lang:zh")),
            )
        elif mode in _SIMPLE:
            idle = turn.state.flow is None  # read before the survey may take the conversation
            turn.say(turn.t(_SIMPLE[mode]))
            # "thanks" in the middle of a form is politeness, not the end of the chat; and a
            # first message has had no help to rate (nor has a misread "xxxx").
            talked = turn.conversation.last_message_at is not None
            if talked and (mode == "goodbye" or (mode == "thanks" and idle)):
                ask_for_feedback(turn, "goodbye", f"goodbye:{turn.conversation.id}")
        else:
            turn.say(turn.t("help_menu"), next_steps(turn))
        return Outcome.DONE

    async def handle(self, turn: Turn) -> Outcome:
        return await self.start(turn)

    async def reprompt(self, turn: Turn) -> None:
        return None


async def _returning(turn: Turn) -> bool:
    """Someone who talked to us before, in an earlier conversation. A name alone says
    nothing: Telegram and the lead form fill it in on a first visit."""
    earlier = await turn.uow.conversations.for_contact(turn.contact.id)
    return any(c.id != turn.conversation.id for c in earlier)
