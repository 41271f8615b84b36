"""Flows registered by name: the built-in specs, the routing table built from them,
hand-overs between flows, and dialog state written before flows were registered."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from dialogs.core.flow import FlowSpec, Outcome
from dialogs.core.intents import QUESTIONS
from dialogs.core.routes import Route, Routes
from dialogs.core.state import DialogState
from dialogs.core.turn import Turn
from dialogs.flows.lead.text import is_interruption
from dialogs.manager import DialogManager
from dialogs.nlu import NluResult
from dialogs.registry import FlowRegistry
from tests.driver import Chat, text_of

BUILTIN = [
    "smalltalk", "handoff", "privacy", "qa", "lead", "booking", "survey", "complaint", "respond",
]  # fmt: skip


class Quiet:
    """A flow that says nothing; subclasses name it."""

    name: ClassVar[str] = "quiet"

    async def start(self, turn: Turn, **options: Any) -> Outcome:
        return Outcome.DONE

    async def handle(self, turn: Turn) -> Outcome:
        return await self.start(turn)

    async def reprompt(self, turn: Turn) -> None:
        return None


class Quotes(Quiet):
    name = "quotes"


# ── the built-in flows ───────────────────────────────────────────────────
def test_builtin_specs_route_as_the_manager_tables_did() -> None:
    routes = DialogManager(FlowRegistry.builtin()).routes
    assert {p: (r.flow, dict(r.options)) for p, r in routes.payloads.items()} == {
        "help:start": ("smalltalk", {"mode": "start"}),
        "help": ("smalltalk", {"mode": "menu"}),
        "lead:start": ("lead", {}),
        "book:start": ("booking", {}),
        "handoff:request": ("handoff", {}),
        "privacy:stop": ("privacy", {"mode": "stop"}),
        "privacy:forget": ("privacy", {"mode": "forget_me"}),
    }
    assert dict(routes.prefixes) == {
        **{name: name for name in BUILTIN},
        "book": "booking",
        "help": "smalltalk",
    }
    small_talk = [
        "greet", "goodbye", "thanks", "help", "bot_challenge", "affirm", "deny",
        "cancel", "change_language",
    ]  # fmt: skip
    assert {i: (r.flow, dict(r.options)) for i, r in routes.intents.items()} == {
        "request_quote": ("lead", {}),
        "book_call": ("booking", {}),
        "reschedule_call": ("booking", {"mode": "reschedule"}),
        "cancel_call": ("booking", {"mode": "cancel"}),
        "talk_to_human": ("handoff", {}),
        "forget_me": ("privacy", {"mode": "forget_me"}),
        "stop": ("privacy", {"mode": "stop"}),
        "complain": ("complaint", {}),
        **{intent: ("smalltalk", {"mode": intent}) for intent in small_talk},
        **{intent: ("qa", {}) for intent in QUESTIONS},
    }
    assert routes.questions == QUESTIONS


def test_builtin_registry_names_match_stored_dialog_state() -> None:
    registry = FlowRegistry.builtin()
    assert [spec.name for spec in registry] == BUILTIN
    assert {name: flow.name for name, flow in DialogManager(registry).flows.items()} == {
        name: name for name in BUILTIN
    }


def test_a_name_taken_twice_is_an_error_naming_both() -> None:
    registry = FlowRegistry.builtin()
    impostor = FlowSpec(name="lead", factory=registry["lead"].factory)
    with pytest.raises(ValueError, match=r"flow 'lead' from tests .* flow 'lead' from built-in"):
        registry.register(impostor, origin="tests")
    assert registry["lead"] is not impostor
    registry.register(impostor, override=True, origin="tests")
    assert registry["lead"] is impostor and registry.origin("lead") == "tests"


def test_two_flows_claiming_one_intent_is_an_error() -> None:
    registry = FlowRegistry.builtin()
    registry.register(FlowSpec(name="quotes", factory=Quotes, intents={"request_quote": {}}))
    with pytest.raises(ValueError, match="intent 'request_quote' is claimed by flow 'lead' and"):
        DialogManager(registry)


def test_the_routing_table_can_be_replaced() -> None:
    manager = DialogManager(FlowRegistry.builtin())
    # A business whose NLU data calls product questions something else.
    routes = manager.routes.overridden(intents={"ask_delivery_time": Route("qa")})
    rerouted = manager.with_routes(routes)
    assert rerouted.routes.intents["ask_delivery_time"].flow == "qa"
    assert "ask_delivery_time" in rerouted.routes.questions
    with pytest.raises(ValueError, match="not registered"):
        manager.with_routes(routes.overridden(intents={"ask_x": Route("nowhere")}))


def test_the_lead_form_takes_its_questions_from_the_routes() -> None:
    routes = Routes(intents={"ask_opening_hours": Route("hours")}, answering=frozenset({"hours"}))
    said = ("opening hours", "ask_opening_hours", 0.9)
    assert is_interruption(*said, free_text=False, valid_answer=False, questions=routes.questions)
    assert not is_interruption(*said, free_text=False, valid_answer=False)


# ── hand-overs ───────────────────────────────────────────────────────────
class Bouncer(Quiet):
    """Hands the conversation to its partner as soon as it starts."""

    partner: ClassVar[str] = ""
    starts: ClassVar[list[str]] = []

    async def start(self, turn: Turn, **options: Any) -> Outcome:
        self.starts.append(self.name)
        turn.switch_to(self.partner, hops=str(len(self.starts)))
        return Outcome.DONE


class Ping(Bouncer):
    name = "ping"
    partner = "pong"


class Pong(Bouncer):
    name = "pong"
    partner = "ping"


async def test_flows_switching_back_and_forth_are_stopped() -> None:
    registry = FlowRegistry.builtin()
    registry.register(FlowSpec(name="ping", factory=Ping))
    registry.register(FlowSpec(name="pong", factory=Pong))
    turn = Turn(
        text="",
        payload=None,
        nlu=NluResult.empty("en"),
        lang="en",
        state=DialogState(),
        uow=None,  # type: ignore[arg-type]  # the bouncers touch nothing else
        conversation=None,  # type: ignore[arg-type]
        contact=None,  # type: ignore[arg-type]
        services=None,  # type: ignore[arg-type]
    )
    Bouncer.starts.clear()
    await DialogManager(registry).start(turn, "ping")
    assert Bouncer.starts == ["ping", "pong", "ping", "pong"]
    assert turn.switch is None


# ── dialog state stored before flows were registered ─────────────────────
async def plant_state(db: Database, clock: FakeClock, chat: Chat, state: dict[str, Any]) -> None:
    conversation_id = chat.receipts[-1].conversation_id
    assert conversation_id is not None
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.get(conversation_id, for_update=True)
        await uow.conversations.save_state(conversation, state)


async def stored_state(db: Database, clock: FakeClock, chat: Chat) -> dict[str, Any]:
    conversation_id = chat.receipts[-1].conversation_id
    assert conversation_id is not None
    async with UnitOfWork(db, clock) as uow:
        return dict((await uow.conversations.get(conversation_id)).state)


# As conversations.state held it mid lead form (name answered, e-mail asked).
LEAD_AT_EMAIL = {
    "flow": "lead",
    "step": "email",
    "data": {"answers": {"name": "Jo Miller"}, "skipped": []},
    "fallbacks": 0,
    "rephrase_asked": False,
    "campaign": None,
    "last_product": None,
}
FORGET_ME_ASKED = {**LEAD_AT_EMAIL, "flow": "privacy", "step": "confirm_forget", "data": {}}


async def test_a_lead_form_stored_before_continues(
    chat: Chat, db: Database, clock: FakeClock, content: Content
) -> None:
    await chat.say("hello")
    await plant_state(db, clock, chat, LEAD_AT_EMAIL)

    replies = await chat.say("jo@acme-rooms.com")

    phone = next(f for f in content.lead_form.fields if f.name == "phone")
    assert text_of(replies) == phone.prompt.get("en")
    state = await stored_state(db, clock, chat)
    assert (state["flow"], state["step"]) == ("lead", "phone")
    assert state["data"]["answers"] == {"name": "Jo Miller", "email": "jo@acme-rooms.com"}


async def test_a_forget_me_confirmation_stored_before_continues(
    chat: Chat, db: Database, clock: FakeClock, content: Content
) -> None:
    await chat.say("hello")
    await plant_state(db, clock, chat, FORGET_ME_ASKED)

    replies = await chat.click("privacy:cancel", "No")

    assert text_of(replies) == content.text("forget_me_cancelled", "en")
    assert (await stored_state(db, clock, chat))["flow"] is None
