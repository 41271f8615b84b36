"""intents.yaml (#16): a business's own intent names mapped to behaviours, one-line errors,
the built-in intents merged into every business's NLU data, complaints, and "cancel" as
the active flow reads it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.assembly import build_hub, dialog_manager
from bot.authoring.check import run_check
from bot.handoff import InMemoryHandoff
from bot.reports.kpi_data import Scope, complaints
from bot.reports.stats import Window
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import DomainEvent
from crm_store.uow import UnitOfWork
from dialogs.core.behaviours import RESPOND, Behaviours, parse_behaviours
from dialogs.core.config import ConfigError
from dialogs.core.content import Content, load_content
from dialogs.nlu.builtin import builtin_examples, business_examples, merge
from dialogs.nlu.data import Example
from tests.driver import Chat, RecordingAdapter, Understood, text_of

CONFIG = Path(__file__).resolve().parents[2] / "config"
FAQ_IDS, TOPICS = {"shipping-times"}, {"shipping", "billing"}
GENERIC = {
    "greet", "thanks", "goodbye", "affirm", "deny", "help", "stop", "forget_me",
    "change_language", "talk_to_human", "complain", "cancel", "bot_challenge", "out_of_scope",
}  # fmt: skip


def parse(raw: dict) -> tuple[Behaviours, list[str]]:
    behaviours, problems = parse_behaviours(raw, "intents.yaml", FAQ_IDS, TOPICS)
    return behaviours, [str(p) for p in problems]


# ── the schema ───────────────────────────────────────────────────────────
def test_each_kind_of_behaviour_becomes_a_route() -> None:
    reply = {"en": "Hi", "zh": "你好"}
    behaviours, problems = parse(
        {
            "book_demo": {"start": "booking", "topic": "demo"},
            "ask_ship": {"answer": "shipping-times"},
            "ask_bill": {"answer": "billing"},
            "hello": {"reply": reply, "buttons": [{"title": reply, "payload": "help"}]},
            "angry": {"steps": [{"reply": reply}, {"start": "handoff", "reason": "complaint"}]},
        }
    )
    assert problems == []
    routes = behaviours.routes
    assert (routes["book_demo"].flow, dict(routes["book_demo"].options)) == (
        "booking",
        {"topic": "demo"},
    )
    assert routes["ask_ship"].options["steps"] == ({"answer": "shipping-times"},)
    assert routes["ask_bill"].options["steps"] == (
        {"start": "qa", "options": {"topic": "billing"}},
    )
    assert routes["hello"].flow == RESPOND
    assert routes["angry"].options["steps"][-1] == {
        "start": "handoff",
        "options": {"reason": "complaint"},
    }


def test_problems_are_one_line_each_naming_file_and_key() -> None:
    _, problems = parse(
        {
            "a": {"answer": "nope"},
            "b": {"reply": {"en": "Hi"}},
            "c": {"steps": [{"start": "handoff"}, {"reply": {"en": "x", "zh": "y"}}]},
            "d": "booking",
            "e": {"start": "booking", "answer": "billing"},
        }
    )
    assert problems == [
        "intents.yaml: a.answer: no FAQ entry or topic named 'nope' (topics: billing, shipping)",
        "intents.yaml: b.reply.zh: missing (every text comes in en and zh)",
        "intents.yaml: c.steps.0: only the last step may start a flow or answer a topic",
        "intents.yaml: d: write a mapping with one of start, answer, reply, steps",
        "intents.yaml: e: needs exactly one of start, answer, reply, steps, found ['start', "
        "'answer']",
    ]
    assert all("\n" not in p for p in problems)


def test_a_flow_that_does_not_exist_is_named_with_the_flows_there_are() -> None:
    behaviours, _ = parse({"book_demo": {"start": "bookng"}})
    [error] = behaviours.unknown_flows({"booking", "qa"})
    assert (
        str(error) == "intents.yaml: book_demo.start: no flow named 'bookng' (flows: booking, qa)"
    )


@pytest.fixture
def business(tmp_path: Path) -> Path:
    target = tmp_path / "biz"
    shutil.copytree(CONFIG, target, ignore=shutil.ignore_patterns("stories"))
    return target


def test_the_bot_refuses_to_start_on_a_bad_mapping(business: Path) -> None:
    (business / "intents.yaml").write_text("book_demo: {start: bookng}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"intents.yaml: book_demo.start: no flow named"):
        dialog_manager(load_content(business))
    (business / "intents.yaml").write_text("x: {answer: nope}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"intents.yaml: x.answer: no FAQ entry or topic"):
        load_content(business)


def test_the_mapping_overrides_builtin_routes_and_check_counts_it(business: Path) -> None:
    (business / "intents.yaml").write_text(
        "talk_to_human: {start: lead}\nbook_demo: {start: bookng}\n", encoding="utf-8"
    )
    report = run_check(business, {}, nlu=False)
    assert [(Path(e.file).name, e.key) for e in report.errors] == [
        ("intents.yaml", "book_demo.start")
    ]
    (business / "intents.yaml").write_text("talk_to_human: {start: lead}\n", encoding="utf-8")
    manager = dialog_manager(load_content(business))
    assert manager.routes.intents["talk_to_human"].flow == "lead"
    assert manager.routes.intents["request_quote"].flow == "lead"  # the rest stays built in
    assert dialog_manager().routes.intents["talk_to_human"].flow == "handoff"


# ── built-in intents in the NLU data ─────────────────────────────────────
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_builtin_intents_ship_in_both_languages(lang: str) -> None:
    examples = builtin_examples(lang)
    counts = {i: sum(e.intent == i for e in examples) for i in GENERIC}
    assert set(counts) == GENERIC and min(counts.values()) >= 20
    assert not any("auralis" in e.text.casefold() for e in examples)


def test_a_business_adds_to_overrides_and_takes_over_examples(tmp_path: Path) -> None:
    data = tmp_path / "en.yml"
    data.write_text(
        'version: "3.1"\nnlu:\n'
        "  - intent: greet\n    examples: |\n      - ahoy\n"
        "  - intent: stop\n    replace: true\n    examples: |\n      - halt\n"
        "  - intent: ask_hours\n    examples: |\n      - Thanks\n",
        encoding="utf-8",
    )
    merged = business_examples(data, "en")
    by_intent = {i: {e.text for e in merged if e.intent == i} for i in {e.intent for e in merged}}
    assert "ahoy" in by_intent["greet"] and "hello" in by_intent["greet"]  # added to
    assert by_intent["stop"] == {"halt"}  # replaced
    # "thanks" is the business's ask_hours now, not the built-in thanks.
    assert "thanks" not in by_intent["thanks"] and by_intent["ask_hours"] == {"Thanks"}
    assert merge([Example("hi", "greet")], [], set()) == [Example("hi", "greet")]


# ── behaviours in a conversation ─────────────────────────────────────────


SAID = {
    "grr": "complain",
    "cancel": "cancel",
    "hello there": "say_hi",
    "broken": "get_support",
    "book": "book_call",
    "Jo": "out_of_scope",
}


def chat(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    content: Content,
    adapters: dict[str, RecordingAdapter],
    raw: dict | None = None,
) -> Chat:
    if raw:
        faq = content.faq.entries
        behaviours, problems = parse_behaviours(
            raw, "intents.yaml", {e.id for e in faq}, {e.topic for e in faq}
        )
        assert problems == []
        content = replace(content, behaviours=behaviours)
    hub = build_hub(
        settings=settings,
        content=content,
        db=db,
        clock=clock,
        nlu=Understood(SAID, confidence=0.95),
        adapters=adapters,
        handoff=InMemoryHandoff(),
    )
    return Chat(hub, adapters["webchat"])


async def test_a_reply_with_buttons_and_a_sequence_ending_in_a_handoff(
    seeded_db: Database, clock: FakeClock, settings: Settings, content: Content, adapters: dict
) -> None:
    hi = {"en": "Hello from config", "zh": "配置里的问候"}
    talk = chat(
        seeded_db,
        clock,
        settings,
        content,
        adapters,
        {
            "say_hi": {
                "reply": hi,
                "buttons": [{"title": {"en": "Menu", "zh": "菜单"}, "payload": "help"}],
            },
            "get_support": {
                "steps": [
                    {"reply": {"en": "Urgent, on it.", "zh": "紧急处理。"}},
                    {"start": "handoff", "reason": "support"},
                ]
            },
        },
    )
    assert text_of(await talk.say("hello there")) == "Hello from config"
    assert talk.payloads() == ["help"]
    replies = await talk.say("broken")
    assert replies[0].text == "Urgent, on it."
    assert len(replies) == 2  # then the handoff's own words (in hours or out of them)


async def test_a_complaint_apologises_records_and_offers_a_person(
    seeded_db: Database, clock: FakeClock, settings: Settings, content: Content, adapters: dict
) -> None:
    talk = chat(seeded_db, clock, settings, content, adapters)
    assert text_of(await talk.say("grr")) == content.text("complaint_apology", "en")
    assert "handoff:request" in talk.payloads()
    async with UnitOfWork(seeded_db, clock) as uow:
        events = (
            await uow.session.scalars(select(DomainEvent).where(DomainEvent.type == "complaint"))
        ).all()
    assert len(events) == 1 and set(events[0].data) == {"conversation_id", "contact_id", "channel"}
    async with UnitOfWork(seeded_db, clock) as uow:
        # The dashboard's and the API's KPIs count it, within the channel's scope too.
        assert await complaints(uow.session, Window(), Scope()) == 1
        assert await complaints(uow.session, Window(), Scope(channel="telegram")) == 0


async def test_cancel_is_read_by_the_active_flow(
    seeded_db: Database, clock: FakeClock, settings: Settings, content: Content, adapters: dict
) -> None:
    talk = chat(seeded_db, clock, settings, content, adapters)
    # Nothing active: nothing to cancel, and the menu.
    assert text_of(await talk.say("cancel")).startswith(content.text("nothing_to_cancel", "en"))
    # Booking a new call: stop booking (no call to cancel).
    await talk.say("book")
    replies = await talk.say("cancel")
    assert text_of(replies) == content.text("booking_stopped", "en")
    # In the quote form: the form is cancelled.
    await talk.click("lead:start")
    replies = await talk.say("cancel")
    assert content.text("nothing_to_cancel", "en") not in text_of(replies)
    assert text_of(await talk.say("cancel")).startswith(content.text("nothing_to_cancel", "en"))
