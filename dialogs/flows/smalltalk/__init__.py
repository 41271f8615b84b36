"""Greetings, thanks, goodbyes, "are you a bot?" and the help menu."""

from __future__ import annotations

from dialogs.core.flow import FlowSpec
from dialogs.flows.smalltalk.flow import CHAT, SmallTalkFlow

SPEC = FlowSpec(
    name="smalltalk",
    factory=SmallTalkFlow,
    # A channel's own "start" (Telegram /start) greets; "help" (/help, a bare @mention)
    # shows the menu.
    payloads={"help:start": {"mode": "start"}, "help": {"mode": "menu"}},
    payload_prefixes=("help",),
    intents={intent: {"mode": intent} for intent in sorted(CHAT)},
)
