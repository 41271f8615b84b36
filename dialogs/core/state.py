"""Channel-neutral dialog state, stored as JSON on the conversation row.

Because it lives in the CRM store (not in aiogram's FSM memory or a process dict), a
restarted process or another worker continues the conversation at the same step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class DialogState:
    flow: str | None = None  # the active flow: "lead", "booking", "survey", ...
    step: str | None = None  # the flow's current question
    data: dict[str, Any] = field(default_factory=dict)  # the active flow's answers so far
    fallbacks: int = 0  # consecutive messages the bot could not answer
    rephrase_asked: bool = False
    campaign: str | None = None  # lead source from a deep link or UTM tag
    last_product: str | None = None  # for follow-ups like "and how much is it?"

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> DialogState:
        raw = raw or {}
        known = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw}
        state = cls(**known)
        state.data = dict(state.data or {})
        return state

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def enter(self, flow: str, step: str | None = None, **data: Any) -> None:
        self.flow, self.step, self.data = flow, step, dict(data)

    def leave(self) -> None:
        self.flow, self.step, self.data = None, None, {}
