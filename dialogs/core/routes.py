"""The routing table: which flow a button payload or an intent starts.

The manager builds it from the registered flows' specs (``FlowSpec.routes``); a business's
config may later replace entries (its own intent names), so the table is a value of its own
rather than something each flow answers for itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

Options = Mapping[str, Any]


def frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only copy: specs and routes are shared by every conversation."""
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Route:
    flow: str  # a registered flow's name
    options: Options = field(default_factory=dict)  # passed to the flow's ``start``

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", frozen(self.options))


@dataclass(frozen=True)
class Routes:
    # Exact payloads that start a flow, whatever flow is active ("lead:start", "help").
    payloads: Mapping[str, Route] = field(default_factory=dict)
    # "<prefix>:..." buttons of a flow that is not active go to that flow's ``handle``.
    prefixes: Mapping[str, str] = field(default_factory=dict)
    # Intent -> the flow it starts, when no active flow keeps the message.
    intents: Mapping[str, Route] = field(default_factory=dict)
    # Flows that answer in one turn: their intents are questions a form in progress hands
    # over and then resumes (the lead form asks its question again after the answer).
    answering: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for name in ("payloads", "prefixes", "intents"):
            object.__setattr__(self, name, frozen(getattr(self, name)))

    @cached_property
    def questions(self) -> frozenset[str]:
        """Intents routed to a flow that answers questions (``ask_price`` -> Q&A)."""
        return frozenset(i for i, route in self.intents.items() if route.flow in self.answering)

    def flows(self) -> frozenset[str]:
        """Every flow the table names."""
        named = {r.flow for r in self.payloads.values()} | {r.flow for r in self.intents.values()}
        return frozenset(named | set(self.prefixes.values()) | self.answering)

    @classmethod
    def combine(cls, tables: Iterable[Routes]) -> Routes:
        """One table from several flows' tables; two flows claiming the same key is an error
        (which one would win would depend on the order packages were installed)."""
        payloads: dict[str, Route] = {}
        prefixes: dict[str, str] = {}
        intents: dict[str, Route] = {}
        answering: set[str] = set()
        for table in tables:
            _claim(payloads, table.payloads, "payload", lambda r: r.flow)
            _claim(prefixes, table.prefixes, "payload prefix", lambda name: name)
            _claim(intents, table.intents, "intent", lambda r: r.flow)
            answering |= table.answering
        return cls(payloads, prefixes, intents, frozenset(answering))

    def overridden(
        self,
        *,
        payloads: Mapping[str, Route] | None = None,
        prefixes: Mapping[str, str] | None = None,
        intents: Mapping[str, Route] | None = None,
    ) -> Routes:
        """This table with some entries replaced (a business routing its own intents)."""
        return Routes(
            {**self.payloads, **(payloads or {})},
            {**self.prefixes, **(prefixes or {})},
            {**self.intents, **(intents or {})},
            self.answering,
        )


def _claim(
    into: dict[str, Any], new: Mapping[str, Any], what: str, flow_of: Callable[[Any], str]
) -> None:
    for key, value in new.items():
        if key in into and flow_of(into[key]) != flow_of(value):
            raise ValueError(
                f"{what} {key!r} is claimed by flow {flow_of(into[key])!r} and by flow "
                f"{flow_of(value)!r}; override the route to choose one"
            )
        into[key] = value
