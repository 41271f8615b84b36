"""Flows by name: salesbot's own, and those other packages install.

A package adds a flow the way opsdroid skills or Rasa custom actions are added: it exports a
``FlowSpec`` (or a function returning one) and declares it in its packaging metadata::

    [project.entry-points."salesbot.flows"]
    opening_hours = "acme_flows:SPEC"

Names are stored in each conversation's dialog state, so a package taking a name that is
already registered is an error unless it is told to replace that flow.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from importlib.metadata import EntryPoint, entry_points

from dialogs.core.flow import FlowSpec
from dialogs.flows.booking import SPEC as BOOKING
from dialogs.flows.complaint import SPEC as COMPLAINT
from dialogs.flows.handoff import SPEC as HANDOFF
from dialogs.flows.lead import SPEC as LEAD
from dialogs.flows.privacy import SPEC as PRIVACY
from dialogs.flows.qa import SPEC as QA
from dialogs.flows.respond import SPEC as RESPOND
from dialogs.flows.smalltalk import SPEC as SMALLTALK
from dialogs.flows.survey import SPEC as SURVEY

ENTRY_POINT_GROUP = "salesbot.flows"
BUILTIN = (SMALLTALK, HANDOFF, PRIVACY, QA, LEAD, BOOKING, SURVEY, COMPLAINT, RESPOND)


class FlowRegistry:
    def __init__(self) -> None:
        self._specs: dict[str, FlowSpec] = {}
        self._origins: dict[str, str] = {}

    @classmethod
    def builtin(cls) -> FlowRegistry:
        registry = cls()
        for spec in BUILTIN:
            registry.register(spec, origin="built-in")
        return registry

    def register(self, spec: FlowSpec, *, override: bool = False, origin: str = "code") -> None:
        """Add a flow; ``override`` replaces one already registered under the same name."""
        if not isinstance(spec, FlowSpec):
            raise TypeError(f"{origin}: expected a FlowSpec, got {type(spec).__name__}")
        known = self._origins.get(spec.name)
        if known is not None and not override:
            raise ValueError(
                f"flow {spec.name!r} from {origin} clashes with flow {spec.name!r} from "
                f"{known}; rename it, or override {spec.name!r} explicitly to replace it"
            )
        self._specs[spec.name] = spec
        self._origins[spec.name] = origin

    def load_entry_points(
        self, group: str = ENTRY_POINT_GROUP, *, override: Collection[str] = ()
    ) -> list[FlowSpec]:
        """Register the flows installed packages declare; ``override`` names the flows they
        may replace. Returns what was loaded, in entry point name order."""
        loaded = []
        for point in sorted(entry_points(group=group), key=lambda p: p.name):
            spec = _spec_of(point)
            self.register(spec, override=spec.name in override, origin=_origin(point))
            loaded.append(spec)
        return loaded

    def origin(self, name: str) -> str:
        return self._origins[name]

    def __getitem__(self, name: str) -> FlowSpec:
        return self._specs[name]

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[FlowSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)


def _spec_of(point: EntryPoint) -> FlowSpec:
    target = point.load()
    spec = target if isinstance(target, FlowSpec) else target() if callable(target) else target
    if not isinstance(spec, FlowSpec):
        raise TypeError(
            f"{_origin(point)} gives {type(spec).__name__}, not a FlowSpec "
            "(or a function returning one)"
        )
    return spec


def _origin(point: EntryPoint) -> str:
    dist = f" in {point.dist.name} {point.dist.version}" if point.dist else ""
    return f"entry point {point.name} = {point.value}{dist}"
