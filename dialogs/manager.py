"""The dialog manager: routes one turn to the right flow.

Routing order:

1. an explicit language switch (typed, or a ``lang:`` button);
2. an exact payload that starts a flow (``lead:start``, ``help``), whatever flow is active;
3. the active flow, which may pass a message it does not expect (``Outcome.PASS``, e.g. a
   question in the middle of the lead form): the message is routed by 4-6 and the flow then
   re-asks its question;
4. a button of another flow, by payload prefix (``book:...`` goes to booking's ``handle``);
5. the intent's route (``request_quote`` starts the lead form);
6. otherwise Q&A: product questions and out-of-scope messages alike, since retrieval may
   still find an answer the classifier was unsure about, and Q&A owns the fallback.

The routing table is built from the registered flows' specs (``FlowSpec``); passing
``routes`` replaces it (a business routing its own intent names). A flow hands the
conversation to another with ``turn.switch_to(name, ...)``; the manager starts that flow
once the first has returned.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from dialogs.core.flow import Flow, FlowSpec, Outcome
from dialogs.core.routes import Routes
from dialogs.core.turn import Turn
from dialogs.core.types import Button
from dialogs.nlu import language_switch_request

log = logging.getLogger(__name__)

FALLBACK = "qa"  # gets every message no route claims
HELP = "smalltalk"  # the help menu, when a flow that was asked for does not exist
# Named by the manager itself, by Q&A's hand-over and by channels' commands (/human, /stop).
REQUIRED = (FALLBACK, HELP, "handoff", "privacy")
# Hand-overs in one turn before the manager stops following them (two flows bouncing a
# conversation between each other would otherwise never return).
MAX_SWITCHES = 3


class DialogManager:
    def __init__(self, specs: Iterable[FlowSpec], routes: Routes | None = None) -> None:
        self.specs: tuple[FlowSpec, ...] = tuple(specs)
        self.flows: dict[str, Flow] = {}
        for spec in self.specs:
            if spec.name in self.flows:
                raise ValueError(f"two flows are named {spec.name!r}")
            flow = spec.factory()
            if flow.name != spec.name:
                # The name is what dialog state stores; a mismatch would strand conversations.
                raise ValueError(f"flow spec {spec.name!r} builds a flow named {flow.name!r}")
            self.flows[spec.name] = flow
        for required in REQUIRED:
            if required not in self.flows:
                raise ValueError(f"the dialog manager needs a {required!r} flow")
        self.routes = (
            routes if routes is not None else Routes.combine(s.routes() for s in self.specs)
        )
        unknown = self.routes.flows() - self.flows.keys()
        if unknown:
            raise ValueError(f"routes name flows that are not registered: {sorted(unknown)}")

    def with_routes(self, routes: Routes) -> DialogManager:
        """The same flows with another routing table."""
        return DialogManager(self.specs, routes)

    async def handle(self, turn: Turn) -> None:
        turn.routes = self.routes
        if await self._switch_language(turn):
            return
        started = self.routes.payloads.get(turn.payload or "")
        if started is not None:
            await self.start(turn, started.flow, **started.options)
            return
        active = turn.state.flow
        if active and active in self.flows:
            flow = self.flows[active]
            outcome = await flow.handle(turn)
            if outcome is Outcome.PASS and turn.switch is None:
                await self._route(turn, passed_by=active)
                if turn.state.flow == active:
                    await flow.reprompt(turn)
            else:
                await self._settle(turn, active, outcome)
            return
        await self._route(turn)

    async def start(self, turn: Turn, name: str, **options: Any) -> None:
        turn.routes = self.routes
        await self._start(turn, name, options, switches=0)

    async def _start(
        self, turn: Turn, name: str, options: Mapping[str, Any], switches: int
    ) -> None:
        flow = self.flows.get(name)
        if flow is None:
            log.warning("no flow %r is configured; answering with help instead", name)
            await self.flows[HELP].start(turn, mode="menu")
            return
        await self._settle(turn, name, await flow.start(turn, **options), switches)

    async def _route(self, turn: Turn, passed_by: str | None = None) -> None:
        payload = turn.payload or ""
        if ":" in payload:
            name = self.routes.prefixes.get(payload.split(":", 1)[0])
            if name in self.flows and name != passed_by:
                # A button of a flow that is not active (e.g. a product or FAQ link, or a stale
                # button from an earlier form): let that flow decide what it means now.
                await self._settle(turn, name, await self.flows[name].handle(turn))
                return
        route = self.routes.intents.get(turn.intent or "")
        if route is not None:
            await self.start(turn, route.flow, **route.options)
        else:
            await self.start(turn, FALLBACK)

    async def _settle(self, turn: Turn, name: str, outcome: Outcome, switches: int = 0) -> None:
        if outcome is Outcome.DONE and turn.state.flow == name:
            turn.state.leave()
        switch = turn.take_switch()
        if switch is None:
            return
        if switches >= MAX_SWITCHES:
            log.error("flow %r asked to switch to %r once too often; stopped", name, switch.flow)
            return
        await self._start(turn, switch.flow, switch.options, switches + 1)

    async def _switch_language(self, turn: Turn) -> bool:
        wanted = language_switch_request(turn.text) if turn.text else None
        if turn.payload == "lang:choose":
            turn.say(
                turn.t("language_choose"),
                (Button("English", "lang:en"), Button("中文", "lang:zh")),
            )
            return True
        if turn.payload and turn.payload.startswith("lang:"):
            wanted = turn.payload.split(":", 1)[1]
        if wanted not in ("en", "zh"):
            return False
        turn.lang = wanted
        turn.conversation.language = wanted
        turn.say(turn.t("language_switched"))
        if turn.state.flow in self.flows:
            await self.flows[turn.state.flow].reprompt(turn)
        return True
