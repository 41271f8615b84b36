"""Product Q&A and the fallback for whatever no other flow takes."""

from __future__ import annotations

from dialogs.core.flow import FlowSpec
from dialogs.core.intents import QUESTIONS
from dialogs.flows.qa.flow import QaFlow

# The manager also sends Q&A every message no route claims (out of scope included), so
# these intents matter less for routing than for forms, which hand them over mid-form.
SPEC = FlowSpec(
    name="qa",
    factory=QaFlow,
    intents=dict.fromkeys(sorted(QUESTIONS), {}),
    answers_questions=True,
)
