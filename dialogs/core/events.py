"""Things a turn asks the world to do after its transaction commits."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HandoffEvent:
    """A conversation needs (or has) a human: announced to reps after commit."""

    kind: str  # "requested" | "customer_message" | "lead_qualified"
    conversation_id: int
    contact_id: int
    reason: str = ""
    text: str = ""
    lead_id: int | None = None
