"""What a flow is to the manager: the ``Flow`` protocol, its ``Outcome``, and its ``FlowSpec``.

A flow package exports ``SPEC = FlowSpec(...)``; the registry collects the package's own
specs and those other packages install (entry point group ``salesbot.flows``), and the
manager builds its routing table from them. Flows never import each other: one hands the
conversation to another by name with ``turn.switch_to(...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from dialogs.core.routes import Options, Route, Routes, frozen

if TYPE_CHECKING:
    from dialogs.core.turn import Turn


class Outcome(Enum):
    CONTINUE = "continue"  # the flow stays active and waits for the next message
    DONE = "done"  # the flow finished; the state is cleared
    PASS = "pass"  # not for this flow (e.g. a question mid-form): route it, then re-ask


class Flow(Protocol):
    name: ClassVar[str]

    async def start(self, turn: Turn, **options: Any) -> Outcome:
        """Begin the flow (by intent, button or event)."""
        ...

    async def handle(self, turn: Turn) -> Outcome:
        """Handle a message while this flow is the active one."""
        ...

    async def reprompt(self, turn: Turn) -> None:
        """Ask the current question again, after an interruption was answered."""
        ...


@dataclass(frozen=True)
class FlowSpec:
    """How a flow is started by default. A business's config may route other intents to it.

    ``name`` is stored in each conversation's dialog state while the flow is active, so it
    must not change between releases; it is also the flow's own payload prefix.
    """

    name: str
    factory: Callable[[], Flow]
    # Exact payloads that start the flow, whatever is active, with start options.
    payloads: Mapping[str, Options] = field(default_factory=dict)
    # Further "<prefix>:..." button payloads the flow owns (``book`` for booking).
    payload_prefixes: tuple[str, ...] = ()
    # Intents that start the flow, with start options.
    intents: Mapping[str, Options] = field(default_factory=dict)
    # Answers in one turn, so its intents are questions a form hands over and then resumes.
    answers_questions: bool = False

    def __post_init__(self) -> None:
        if not self.name or ":" in self.name:
            raise ValueError(f"a flow's name is a payload prefix: {self.name!r} cannot be one")
        if any(not p or ":" in p for p in self.payload_prefixes):
            raise ValueError(f"flow {self.name!r}: a payload prefix has no ':' in it")
        object.__setattr__(self, "payloads", frozen(self.payloads))
        object.__setattr__(self, "intents", frozen(self.intents))
        object.__setattr__(self, "payload_prefixes", tuple(self.payload_prefixes))

    def routes(self) -> Routes:
        return Routes(
            payloads={p: Route(self.name, o) for p, o in self.payloads.items()},
            prefixes=dict.fromkeys((self.name, *self.payload_prefixes), self.name),
            intents={i: Route(self.name, o) for i, o in self.intents.items()},
            answering=frozenset({self.name}) if self.answers_questions else frozenset(),
        )
