"""The handoff service: how conversations reach a human.

The hub hands it events after the turn's transaction commits (so a rep is never told about
a message that was rolled back). ``InMemoryHandoff`` keeps them for tests and for running
without Slack; the Slack desk implements the same protocol.
"""

from __future__ import annotations

from typing import Protocol

from dialogs.core.events import HandoffEvent


class HandoffService(Protocol):
    async def notify(self, event: HandoffEvent) -> None: ...


class InMemoryHandoff:
    def __init__(self) -> None:
        self.events: list[HandoffEvent] = []

    async def notify(self, event: HandoffEvent) -> None:
        self.events.append(event)

    def of_kind(self, kind: str) -> list[HandoffEvent]:
        return [e for e in self.events if e.kind == kind]
