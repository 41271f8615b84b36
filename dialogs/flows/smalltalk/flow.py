"""Greetings, thanks, goodbyes, "are you a bot?" and the help menu."""

from __future__ import annotations

from typing import Any, ClassVar

from dialogs.core.flow import Outcome
from dialogs.core.menu import next_steps
from dialogs.core.turn import Turn

_SIMPLE = {"goodbye": "goodbye", "thanks": "thanks_reply", "bot_challenge": "bot_challenge"}


class SmallTalkFlow:
    name: ClassVar[str] = "smalltalk"

    async def start(self, turn: Turn, **options: Any) -> Outcome:
        mode = options.get("mode", "help")
        if mode == "greet":
            if turn.contact.name:
                turn.say(turn.t("greeting_returning", name=turn.contact.name), next_steps(turn))
            else:
                turn.say(turn.t("greeting"), next_steps(turn))
        elif mode in _SIMPLE:
            turn.say(turn.t(_SIMPLE[mode]))
        else:
            turn.say(turn.t("help_menu"), next_steps(turn))
        return Outcome.DONE

    async def handle(self, turn: Turn) -> Outcome:
        return await self.start(turn)

    async def reprompt(self, turn: Turn) -> None:
        return None
