"""Plays an ``intents.yaml`` behaviour: its steps in order, in the customer's language.

A step is a reply (text and buttons), an FAQ entry's answer, or a flow to start; a start is
always the last step (``dialogs.core.behaviours`` checks), and hands over by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from dialogs.core.flow import Outcome
from dialogs.core.turn import Turn
from dialogs.core.types import Button


class RespondFlow:
    name: ClassVar[str] = "respond"

    async def start(self, turn: Turn, **options: Any) -> Outcome:
        # The customer was understood: a run of unanswered messages ends here.
        turn.state.fallbacks = 0
        for step in options.get("steps", ()):
            if "reply" in step:
                titles = [(_get(b["title"], turn.lang), b["payload"]) for b in step["buttons"]]
                buttons = [Button(title, payload) for title, payload in titles]
                turn.say(_get(step["reply"], turn.lang), buttons)
            elif "answer" in step:
                entry = next((e for e in turn.content.faq.entries if e.id == step["answer"]), None)
                if entry is not None:
                    turn.say(entry.answer.get(turn.lang))
            elif "start" in step:
                turn.switch_to(step["start"], **step.get("options", {}))
        return Outcome.DONE

    async def handle(self, turn: Turn) -> Outcome:
        return await self.start(turn)

    async def reprompt(self, turn: Turn) -> None:
        return None


def _get(text: Mapping[str, str], lang: str) -> str:
    return text.get(lang) or text["en"]
