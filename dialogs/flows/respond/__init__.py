"""Behaviours a business writes in ``intents.yaml``: replies, FAQ answers, short sequences."""

from __future__ import annotations

from dialogs.core.behaviours import RESPOND
from dialogs.core.flow import FlowSpec
from dialogs.flows.respond.flow import RespondFlow

# No intents of its own: intents.yaml routes to it. It answers in one turn, so a form in
# progress hands such intents over and asks its question again.
SPEC = FlowSpec(name=RESPOND, factory=RespondFlow, answers_questions=True)
