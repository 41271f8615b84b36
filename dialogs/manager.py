"""The dialog manager: routes one turn to the right flow.

Routing order: an explicit language switch; a button payload; the active flow (which may
pass a message it does not expect, e.g. a question in the middle of the lead form: that
message is routed by intent and the flow then re-asks its question); otherwise the intent.
"""

from __future__ import annotations

import logging

from dialogs.core.flow import Flow, Outcome
from dialogs.core.turn import Turn
from dialogs.core.types import Button
from dialogs.flows.handoff.flow import HandoffFlow
from dialogs.flows.privacy.flow import PrivacyFlow
from dialogs.flows.smalltalk.flow import SmallTalkFlow
from dialogs.nlu import language_switch_request

log = logging.getLogger(__name__)

QA_INTENTS = frozenset(
    {
        "ask_price",
        "ask_features",
        "compare_products",
        "ask_availability",
        "ask_shipping",
        "ask_returns",
        "ask_payment",
        "ask_warranty",
    }
)
SMALL_TALK = frozenset({"greet", "goodbye", "thanks", "help", "bot_challenge", "affirm", "deny"})
# Intent -> (flow, start options).
STARTERS: dict[str, tuple[str, dict[str, str]]] = {
    "request_quote": ("lead", {}),
    "book_call": ("booking", {}),
    "reschedule_call": ("booking", {"mode": "reschedule"}),
    "cancel_call": ("booking", {"mode": "cancel"}),
    "talk_to_human": ("handoff", {}),
    "forget_me": ("privacy", {"mode": "forget_me"}),
    "stop": ("privacy", {"mode": "stop"}),
}
# Button payload prefix -> (flow, start options) for buttons that start a flow.
PAYLOAD_STARTERS: dict[str, tuple[str, dict[str, str]]] = {
    "lead:start": ("lead", {}),
    "book:start": ("booking", {}),
    "handoff:request": ("handoff", {}),
    "privacy:stop": ("privacy", {"mode": "stop"}),
    "privacy:forget": ("privacy", {"mode": "forget_me"}),
}
# Button payload prefixes that differ from the flow's name.
PAYLOAD_FLOWS: dict[str, str] = {"book": "booking"}


class DialogManager:
    def __init__(self, flows: list[Flow]) -> None:
        self.flows: dict[str, Flow] = {flow.name: flow for flow in flows}
        for required in ("qa", "smalltalk", "handoff", "privacy"):
            if required not in self.flows:
                raise ValueError(f"the dialog manager needs a {required!r} flow")

    @classmethod
    def with_flows(cls, *extra: Flow) -> DialogManager:
        return cls([SmallTalkFlow(), HandoffFlow(), PrivacyFlow(), *extra])

    async def handle(self, turn: Turn) -> None:
        if await self._switch_language(turn):
            return
        payload = turn.payload or ""
        if payload == "help:start":  # a channel's own "start" (Telegram /start): greet
            await self.flows["smalltalk"].start(turn, mode="greet")
            return
        if payload.startswith("help"):
            await self.flows["smalltalk"].start(turn, mode="help")
            return
        for prefix, (name, options) in PAYLOAD_STARTERS.items():
            if payload == prefix:
                await self.start(turn, name, **options)
                return
        active = turn.state.flow
        if active and active in self.flows:
            flow = self.flows[active]
            outcome = await flow.handle(turn)
            if outcome is Outcome.PASS:
                await self._route(turn, passed_by=active)
                if turn.state.flow == active:
                    await flow.reprompt(turn)
            else:
                self._settle(turn, flow.name, outcome)
            return
        await self._route(turn)

    async def start(self, turn: Turn, name: str, **options: str) -> None:
        flow = self.flows.get(name)
        if flow is None:
            log.warning("no flow %r is configured; answering with help instead", name)
            await self.flows["smalltalk"].start(turn, mode="help")
            return
        self._settle(turn, name, await flow.start(turn, **options))

    async def _route(self, turn: Turn, passed_by: str | None = None) -> None:
        payload = turn.payload or ""
        if ":" in payload:
            prefix = payload.split(":", 1)[0]
            name = PAYLOAD_FLOWS.get(prefix, prefix)
            if name in self.flows and name != passed_by:
                # A button of a flow that is not active (e.g. a product or FAQ link, or a stale
                # button from an earlier form): let that flow decide what it means now.
                self._settle(turn, name, await self.flows[name].handle(turn))
                return
        intent = turn.intent
        if intent in STARTERS:
            name, options = STARTERS[intent]
            await self.start(turn, name, **options)
        elif intent in SMALL_TALK:
            turn.state.fallbacks = 0
            await self.flows["smalltalk"].start(turn, mode=intent)
        else:
            # Product questions and out-of-scope messages both go to Q&A: retrieval may still
            # find an answer the classifier was unsure about, and Q&A owns the fallback.
            await self.flows["qa"].start(turn)

    @staticmethod
    def _settle(turn: Turn, name: str, outcome: Outcome) -> None:
        if outcome is Outcome.DONE and turn.state.flow == name:
            turn.state.leave()

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
