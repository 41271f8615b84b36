"""The terminal channel behind ``salesbot chat``: same hub, same store, plain text.

Buttons cannot be clicked in a terminal, so they degrade to a numbered list; typing the
number clicks the button.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from dialogs.core.types import Button, ChannelAddress, InboundMessage, Reply

CHANNEL = "console"


def render(reply: Reply, role: str = "bot") -> str:
    """``Reply`` -> terminal text, buttons as a numbered list."""
    who = "rep" if role == "agent" else "bot"
    lines = [
        f"{who}> {line}" if i == 0 else f"     {line}"
        for i, line in enumerate(reply.text.splitlines() or [""])
    ]
    for number, button in enumerate((*reply.buttons, *reply.quick_replies), start=1):
        lines.append(f"     [{number}] {button.title}")
    return "\n".join(lines)


def parse_line(
    line: str, buttons: tuple[Button, ...], address: ChannelAddress, user_id: str, message_id: str
) -> InboundMessage:
    """A typed line -> ``InboundMessage``; a number that names a shown button clicks it."""
    text = line.strip()
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        button = buttons[int(text) - 1]
        return InboundMessage(address, user_id, button.title, button.payload, message_id)
    return InboundMessage(address, user_id, text, None, message_id)


class ConsoleAdapter:
    name = CHANNEL

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.buttons: tuple[Button, ...] = ()

    async def send(self, address: ChannelAddress, reply: Reply, *, role: str = "bot") -> str | None:
        self.buttons = (*reply.buttons, *reply.quick_replies)
        print(render(reply, role), file=self.out, flush=True)
        await asyncio.sleep(0)
        return None
