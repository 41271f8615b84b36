"""Handing the conversation to a human rep."""

from __future__ import annotations

from dialogs.core.flow import FlowSpec
from dialogs.flows.handoff.flow import HandoffFlow

SPEC = FlowSpec(
    name="handoff",
    factory=HandoffFlow,
    payloads={"handoff:request": {}},
    intents={"talk_to_human": {}},
)
