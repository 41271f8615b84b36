"""The main next-step buttons offered after answers and greetings."""

from __future__ import annotations

from dialogs.core.turn import Turn
from dialogs.core.types import Button


def next_steps(turn: Turn) -> tuple[Button, ...]:
    return (
        turn.button("button_get_quote", "lead:start"),
        turn.button("button_book_call", "book:start"),
        turn.button("button_talk_to_sales", "handoff:request"),
    )
