"""A flow another package installs: found through the ``salesbot.flows`` entry point group,
routed by its intent, and its questions answered in the middle of the lead form."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bot.assembly import build_hub
from bot.handoff import InMemoryHandoff
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from dialogs.core.content import Content
from dialogs.core.flow import FlowSpec, Outcome
from dialogs.core.turn import Turn
from dialogs.registry import FlowRegistry
from tests.driver import Chat, RecordingAdapter, Understood, text_of
from tests.fakes.installed import install


class Hours:
    """A flow of this codebase that already took the name."""

    name: ClassVar[str] = "opening_hours"

    async def start(self, turn: Turn, **options: Any) -> Outcome:
        return Outcome.DONE

    async def handle(self, turn: Turn) -> Outcome:
        return Outcome.DONE

    async def reprompt(self, turn: Turn) -> None:
        return None


ACME_FLOWS = '''
"""Acme's own flow, installed as a package of its own."""

from typing import Any, ClassVar

from dialogs.core.flow import FlowSpec, Outcome


class OpeningHoursFlow:
    name: ClassVar[str] = "opening_hours"

    async def start(self, turn: Any, **options: Any) -> Outcome:
        turn.say(f"We are open {options.get('hours', 'every day')}.")
        return Outcome.DONE

    async def handle(self, turn: Any) -> Outcome:
        return await self.start(turn)

    async def reprompt(self, turn: Any) -> None:
        return None


SPEC = FlowSpec(
    name="opening_hours",
    factory=OpeningHoursFlow,
    intents={"ask_opening_hours": {"hours": "9:00-17:00, Monday to Friday"}},
    answers_questions=True,
)
'''
HOURS = "We are open 9:00-17:00, Monday to Friday."


@pytest.fixture
def acme_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``acme_flows`` as pip would leave it: the module and its dist-info, on sys.path."""
    yield install(
        monkeypatch,
        tmp_path / "site-packages",
        "acme_flows",
        ACME_FLOWS,
        {"salesbot.flows": {"opening_hours": "acme_flows:SPEC"}},
    )
    sys.modules.pop("acme_flows", None)


@pytest.fixture
def acme_chat(
    acme_installed: Path,
    seeded_db: Database,
    clock: FakeClock,
    settings: Settings,
    content: Content,
    adapters: dict[str, RecordingAdapter],
    handoff: InMemoryHandoff,
) -> Chat:
    nlu = Understood({"when are you open?": "ask_opening_hours", "hours": "ask_opening_hours"})
    hub = build_hub(
        settings=settings,
        content=content,
        db=seeded_db,
        clock=clock,
        nlu=nlu,
        adapters=adapters,
        handoff=handoff,
    )
    return Chat(hub, adapters["webchat"])


def test_the_registry_loads_flows_from_entry_points(acme_installed: Path) -> None:
    registry = FlowRegistry.builtin()
    [spec] = registry.load_entry_points()
    assert spec.name == "opening_hours" and "opening_hours" in registry
    assert registry.origin("opening_hours") == (
        "entry point opening_hours = acme_flows:SPEC in acme-flows 0.1"
    )
    builtin = [s.name for s in FlowRegistry.builtin()]
    assert [s.name for s in registry] == [*builtin, "opening_hours"]


def test_an_installed_flow_cannot_take_a_registered_name_unasked(acme_installed: Path) -> None:
    registry = FlowRegistry()
    registry.register(FlowSpec(name="opening_hours", factory=Hours))
    with pytest.raises(ValueError, match=r"acme_flows:SPEC in acme-flows 0\.1 clashes"):
        registry.load_entry_points()
    registry.load_entry_points(override={"opening_hours"})
    assert registry.origin("opening_hours").startswith("entry point opening_hours")


async def test_the_manager_routes_an_intent_to_an_installed_flow(acme_chat: Chat) -> None:
    assert text_of(await acme_chat.say("when are you open?")) == HOURS


async def test_an_installed_flows_question_is_answered_mid_form(
    acme_chat: Chat, content: Content
) -> None:
    await acme_chat.click("lead:start")
    await acme_chat.say("Jo Miller")
    email = next(f for f in content.lead_form.fields if f.name == "email").prompt.get("en")
    assert acme_chat.last.text == email

    # Not an e-mail address, nor shaped like a question: only the routes say it is one.
    replies = await acme_chat.say("hours")

    assert [r.text for r in replies] == [
        HOURS,
        content.text("lead_resume", "en", question=email),
    ]
