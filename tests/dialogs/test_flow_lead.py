"""Lead capture, conversation level, in English and Chinese, on both stores."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.assembly import build_hub
from bot.handoff import InMemoryHandoff
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import Consent, Contact, Lead
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from dialogs.core.types import Reply
from dialogs.flows.lead.text import is_interruption, parse_correction, question_shaped
from dialogs.nlu import NluService
from tests.driver import Chat, RecordingAdapter, text_of

LANGS = ["en", "zh"]
START = {"en": "I want a quote", "zh": "我想要报价"}
# One customer per language, answering every question of the demo form.
HOT = {
    "en": {
        "name": "Jo Miller",
        "email": "Jo@Acme-Rooms.com",
        "phone": "+1 617 555 0100",
        "company": "Acme Rooms Ltd",
        "rooms": "25 rooms",
        "product_interest": "lead:choice:bar",
        "timeline": "within a month",
        "budget": "$30k",
    },
    "zh": {
        "name": "王伟",
        "email": "wang.wei@example.cn",
        "phone": "13800138000",
        "company": "深圳市顺丰速运有限公司",
        "rooms": "二十五间",
        "product_interest": "lead:choice:bar",
        "timeline": "一个月内",
        "budget": "3万美元",
    },
}
STORED = {
    "en": {"email": "jo@acme-rooms.com", "phone": "+16175550100", "rooms": 25, "budget": 30000},
    "zh": {"email": "wang.wei@example.cn", "phone": "+8613800138000", "rooms": 25, "budget": 30000},
}
YES = {"en": "yes", "zh": "同意"}
NO = {"en": "no", "zh": "不同意"}
SKIP = {"en": "skip", "zh": "跳过"}
CANCEL = {"en": "cancel", "zh": "取消"}


@dataclass
class Crm:
    contacts: list[Contact]
    leads: list[Lead]
    consents: list[Consent]
    identities: dict[int, list[tuple[str, str]]]


async def crm(db: Database, clock: FakeClock) -> Crm:
    async with UnitOfWork(db, clock) as uow:
        contacts = list((await uow.session.scalars(select(Contact).order_by(Contact.id))).all())
        leads = list((await uow.session.scalars(select(Lead).order_by(Lead.id))).all())
        consents = list((await uow.session.scalars(select(Consent).order_by(Consent.id))).all())
        identities = {
            c.id: sorted((i.channel, i.external_id) for i in await uow.contacts.identities(c.id))
            for c in contacts
        }
        return Crm(contacts, leads, consents, identities)


async def form_state(db: Database, clock: FakeClock, chat: Chat) -> dict[str, Any]:
    conversation_id = chat.receipts[-1].conversation_id
    assert conversation_id is not None
    async with UnitOfWork(db, clock) as uow:
        return dict((await uow.conversations.get(conversation_id)).state)


def prompt(content: Content, name: str, lang: str) -> str:
    field = next(f for f in content.lead_form.fields if f.name == name)
    return field.prompt.get(lang)


def t(content: Content, key: str, lang: str, **values: Any) -> str:
    return content.text(key, lang, **values)


async def answer(chat: Chat, value: str) -> list[Reply]:
    return await (chat.click(value) if value.startswith("lead:") else chat.say(value))


async def fill(chat: Chat, answers: dict[str, str], *, until: str | None = None) -> None:
    """Answer the form in order, stopping before the question ``until``."""
    for name, value in answers.items():
        if name == until:
            return
        await answer(chat, value)


def since(answers: dict[str, str], first: str) -> dict[str, str]:
    """The answers from the question ``first`` to the end."""
    names = list(answers)
    return {name: answers[name] for name in names[names.index(first) :]}


# ── the whole form ───────────────────────────────────────────────────────
@pytest.mark.parametrize("lang", LANGS)
async def test_happy_path_to_a_qualified_lead(
    chat: Chat,
    db: Database,
    clock: FakeClock,
    content: Content,
    handoff: InMemoryHandoff,
    lang: str,
) -> None:
    replies = await chat.say(START[lang])
    assert [r.text for r in replies] == [
        t(content, "lead_start", lang),
        prompt(content, "name", lang),
    ]
    asked = []
    for value in HOT[lang].values():
        asked.append(chat.last.text)
        await answer(chat, value)
    assert asked == [prompt(content, f.name, lang) for f in content.lead_form.fields]
    consent_text = content.lead_form.consent.text.get(lang)
    assert chat.last.text == consent_text
    assert chat.payloads() == ["lead:consent:yes", "lead:consent:no"]
    before = await crm(db, clock)
    assert (before.leads, before.consents, before.contacts[0].email) == ([], [], None)

    replies = await chat.say(YES[lang])

    assert text_of(replies) == t(content, "lead_qualified", lang)
    assert chat.payloads() == ["book:start"]
    store = await crm(db, clock)
    [contact] = store.contacts
    assert (contact.name, contact.email, contact.phone, contact.company) == (
        HOT[lang]["name"],
        STORED[lang]["email"],
        STORED[lang]["phone"],
        HOT[lang]["company"],
    )
    [lead] = store.leads
    assert lead.contact_id == contact.id
    assert (lead.status, lead.score, lead.source_channel) == ("qualified", 115, "webchat")
    assert (lead.product_interest, lead.estimated_value) == ("bar", 30000)
    assert lead.answers == {
        "name": HOT[lang]["name"],
        "email": STORED[lang]["email"],
        "phone": STORED[lang]["phone"],
        "company": HOT[lang]["company"],
        "rooms": 25,
        "product_interest": "bar",
        "timeline": "lt1m",
        "budget": 30000,
    }
    [consent] = store.consents
    assert (consent.contact_id, consent.purpose, consent.granted, consent.channel) == (
        contact.id,
        "sales_contact",
        True,
        "webchat",
    )
    assert consent.text_shown == consent_text
    [event] = handoff.of_kind("lead_qualified")
    assert (event.lead_id, event.contact_id) == (lead.id, contact.id)
    assert event.conversation_id == chat.receipts[-1].conversation_id
    assert (await form_state(db, clock, chat))["flow"] is None
    # A double tap on the consent button neither repeats the answer nor opens a new form.
    assert await chat.click("lead:consent:yes") == []
    again = await crm(db, clock)
    assert (len(again.leads), len(again.consents), len(handoff.events)) == (1, 1, 1)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_small_project_is_thanked_but_not_qualified(
    chat: Chat,
    db: Database,
    clock: FakeClock,
    content: Content,
    handoff: InMemoryHandoff,
    lang: str,
) -> None:
    await chat.click("lead:start")
    await chat.say(HOT[lang]["name"])
    await chat.say(HOT[lang]["email"])
    await chat.click("lead:skip")  # phone
    await chat.say(SKIP[lang])  # company
    await chat.say("2")  # rooms
    await chat.click("lead:skip")  # product
    await chat.click("lead:choice:exploring")
    await chat.say(SKIP[lang])  # budget
    replies = await chat.click("lead:consent:yes")

    assert text_of(replies) == t(content, "lead_thanks", lang, name=HOT[lang]["name"])
    store = await crm(db, clock)
    [lead] = store.leads
    assert (lead.status, lead.score) == ("new", 0)
    assert lead.answers == {
        "name": HOT[lang]["name"],
        "email": STORED[lang]["email"],
        "rooms": 2,
        "timeline": "exploring",
    }
    assert (lead.product_interest, lead.estimated_value) == (None, None)
    assert store.contacts[0].phone is None and store.contacts[0].company is None
    assert handoff.of_kind("lead_qualified") == []


# ── invalid answers, skipping, required ──────────────────────────────────
INVALID = {
    "en": {"email": "jo at acme", "phone": "12345", "rooms": "lots", "timeline": "next year"},
    "zh": {"email": "我的邮箱", "phone": "12345", "rooms": "很多", "timeline": "明年吧"},
}


@pytest.mark.parametrize("lang", LANGS)
async def test_invalid_answers_are_re_asked_with_the_reason_and_never_stored(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    reasons = {
        "email": t(content, "lead_invalid_email", lang),
        "phone": t(content, "lead_invalid_phone", lang),
        "rooms": t(content, "lead_invalid_number", lang, min="1", max="10,000"),
        "timeline": t(content, "lead_invalid_choice", lang),
    }
    await chat.say(START[lang])
    for name, value in HOT[lang].items():
        if name in INVALID[lang]:
            replies = await chat.say(INVALID[lang][name])
            assert [r.text for r in replies] == [
                t(content, "lead_invalid", lang, reason=reasons[name]),
                prompt(content, name, lang),
            ]
            state = await form_state(db, clock, chat)
            assert state["step"] == name
            assert name not in state["data"]["answers"]
        await answer(chat, value)
    await chat.say(YES[lang])

    [lead] = (await crm(db, clock)).leads
    assert lead.answers["email"] == STORED[lang]["email"]
    assert lead.answers["phone"] == STORED[lang]["phone"]
    assert (lead.answers["rooms"], lead.answers["timeline"]) == (25, "lt1m")


@pytest.mark.parametrize("lang", LANGS)
async def test_out_of_range_number_and_choice_by_number(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    await chat.say(START[lang])
    await fill(chat, HOT[lang], until="rooms")
    replies = await chat.say("0")
    assert t(content, "lead_invalid_number", lang, min="1", max="10,000") in text_of(replies)
    await chat.say("12")
    await chat.click("lead:skip")
    assert chat.payloads() == [
        "lead:choice:lt1m",
        "lead:choice:1to3m",
        "lead:choice:3to6m",
        "lead:choice:exploring",
        "lead:cancel",
    ]
    assert [b.title for b in chat.buttons()][0] == ("Within a month", "一个月内")[lang == "zh"]
    await chat.say("2")  # the second option
    state = await form_state(db, clock, chat)
    assert state["data"]["answers"]["rooms"] == 12
    assert state["data"]["answers"]["timeline"] == "1to3m"
    assert state["step"] == "budget"


@pytest.mark.parametrize("lang", LANGS)
async def test_optional_questions_can_be_skipped_required_ones_cannot(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    await chat.say(START[lang])
    await chat.say(HOT[lang]["name"])
    replies = await chat.say(SKIP[lang])  # the e-mail is required
    assert [r.text for r in replies] == [
        t(content, "lead_required", lang),
        prompt(content, "email", lang),
    ]
    assert chat.payloads() == []  # no skip button on a required question
    replies = await chat.click("lead:skip")  # nor through a stale button
    assert replies[0].text == t(content, "lead_required", lang)
    await chat.say(HOT[lang]["email"])
    assert chat.payloads() == ["lead:skip", "lead:cancel"]  # the phone is optional
    replies = await chat.say(SKIP[lang])
    assert [r.text for r in replies] == [
        t(content, "lead_skipped", lang),
        prompt(content, "company", lang),
    ]
    replies = await chat.click("lead:skip")
    assert replies[-1].text == prompt(content, "rooms", lang)
    state = await form_state(db, clock, chat)
    assert state["data"]["skipped"] == ["phone", "company"]
    assert set(state["data"]["answers"]) == {"name", "email"}


# ── corrections ──────────────────────────────────────────────────────────
CORRECTIONS = {
    "en": ("actually my email is jo.new@acme-rooms.com", "jo.new@acme-rooms.com"),
    "zh": ("其实我的邮箱是 wang.new@example.cn", "wang.new@example.cn"),
}


@pytest.mark.parametrize("lang", LANGS)
async def test_the_email_can_be_corrected_mid_form(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    await chat.say(START[lang])
    await fill(chat, HOT[lang], until="rooms")
    said, stored = CORRECTIONS[lang]
    replies = await chat.say(said)
    label = t(content, "lead_field_email", lang)
    assert [r.text for r in replies] == [
        t(content, "lead_correction_ok", lang, field=label),
        prompt(content, "rooms", lang),
    ]
    state = await form_state(db, clock, chat)
    assert state["step"] == "rooms" and state["data"]["answers"]["email"] == stored
    await fill(chat, since(HOT[lang], "rooms"))
    replies = await chat.click("lead:consent:yes")
    assert replies  # answered with thanks or qualified
    [contact] = (await crm(db, clock)).contacts
    assert contact.email == stored


async def test_corrections_of_name_and_phone_and_an_invalid_correction(
    chat: Chat, db: Database, clock: FakeClock, content: Content
) -> None:
    await chat.say("I want a quote")
    await chat.say("my name is Jo")  # the pending question, said as a sentence
    await chat.say("jo@acme-rooms.com")
    replies = await chat.say("sorry, my phone is 617 555 0100")  # the phone is asked now
    assert replies[-1].text == prompt(content, "company", "en")
    replies = await chat.say("call me Joanna")
    assert replies[0].text == t(content, "lead_correction_ok", "en", field="name")
    replies = await chat.say("oops, my email is jo@")
    assert [r.text for r in replies] == [
        t(content, "lead_invalid", "en", reason=t(content, "lead_invalid_email", "en")),
        prompt(content, "company", "en"),
    ]
    answers = (await form_state(db, clock, chat))["data"]["answers"]
    assert answers == {"name": "Joanna", "email": "jo@acme-rooms.com", "phone": "+16175550100"}


async def test_a_chinese_name_correction(chat: Chat, db: Database, clock: FakeClock) -> None:
    await chat.say("我想要报价")
    await chat.say("小王")
    await chat.say("wang@example.cn")
    await chat.say("不好意思，我叫王伟")
    answers = (await form_state(db, clock, chat))["data"]["answers"]
    assert answers["name"] == "王伟"


# ── interruptions ────────────────────────────────────────────────────────
QUESTIONS = {"en": "what's your return policy?", "zh": "退货政策是什么？"}


@pytest.mark.parametrize("lang", LANGS)
async def test_a_question_mid_form_is_answered_then_the_form_resumes(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    await chat.say(START[lang])
    await fill(chat, HOT[lang], until="company")
    replies = await chat.say(QUESTIONS[lang])
    resume = t(content, "lead_resume", lang, question=prompt(content, "company", lang))
    assert replies[-1].text == resume
    returns = [e.answer.get(lang) for e in content.faq.entries if e.topic == "returns"]
    assert any(answer in text_of(replies[:-1]) for answer in returns)  # answered by Q&A
    assert chat.payloads() == ["lead:skip", "lead:cancel"]
    state = await form_state(db, clock, chat)
    assert state["flow"] == "lead" and state["step"] == "company"
    assert "company" not in state["data"]["answers"]
    assert QUESTIONS[lang] not in state["data"]["answers"].values()
    # A company name that looks like a product topic is still a company name.
    replies = await chat.say(HOT[lang]["company"])
    assert replies[-1].text == prompt(content, "rooms", lang)
    state = await form_state(db, clock, chat)
    assert state["data"]["answers"]["company"] == HOT[lang]["company"]


@pytest.mark.parametrize(
    "company", ["Acme Shipping", "Payment Solutions GmbH", "Warranty Partners"]
)
async def test_company_names_that_sound_like_topics_are_answers(
    chat: Chat, db: Database, clock: FakeClock, company: str
) -> None:
    await chat.say("I want a quote")
    await fill(chat, HOT["en"], until="company")
    await chat.say(company)
    state = await form_state(db, clock, chat)
    assert (state["step"], state["data"]["answers"]["company"]) == ("rooms", company)


@pytest.mark.parametrize(("lang", "hello"), [("en", "Hi"), ("zh", "你好")])
async def test_a_greeting_is_not_a_name_but_a_name_like_a_command_is(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str, hello: str
) -> None:
    await chat.say(START[lang])
    replies = await chat.say(hello)
    assert replies[0].text != prompt(content, "email", lang)
    assert replies[-1].text == t(
        content, "lead_resume", lang, question=prompt(content, "name", lang)
    )
    assert (await form_state(db, clock, chat))["data"]["answers"] == {}
    name = {"en": "Alice Person", "zh": "李经理"}[lang]  # talk_to_human / book_call to the NLU
    replies = await chat.say(name)
    assert replies[-1].text == prompt(content, "email", lang)
    assert (await form_state(db, clock, chat))["data"]["answers"] == {"name": name}


async def test_stop_mid_form_opts_out_and_ends_the_form(
    chat: Chat, db: Database, clock: FakeClock, content: Content
) -> None:
    await chat.say("I want a quote")
    await chat.say("Jo Miller")
    replies = await chat.say("stop")
    assert text_of(replies) == t(content, "stop_done", "en")
    assert (await form_state(db, clock, chat))["flow"] is None
    store = await crm(db, clock)
    assert store.contacts[0].marketing_opt_out and store.contacts[0].name is None
    assert store.leads == []


async def test_a_restarted_process_asks_the_next_question_with_answers_kept(
    chat: Chat,
    db: Database,
    clock: FakeClock,
    content: Content,
    settings: Settings,
    understanding: NluService,
    adapters: dict[str, RecordingAdapter],
) -> None:
    await chat.say("I want a quote")
    await fill(chat, HOT["en"], until="rooms")
    restarted = build_hub(
        settings=settings,
        content=content,
        db=db,
        clock=clock,
        nlu=NluService(understanding.models, clock=clock, timezone=understanding.timezone),
        adapters=adapters,
    )
    again = Chat(restarted, chat.adapter, chat.chat_id, chat.user_id, _seq=itertools.count(100))
    replies = await again.say("12")
    assert replies[-1].text == prompt(content, "product_interest", "en")
    await fill(again, since(HOT["en"], "product_interest"))
    await again.say("yes")
    [lead] = (await crm(db, clock)).leads
    assert lead.answers["company"] == HOT["en"]["company"] and lead.answers["rooms"] == 12


async def test_a_question_at_a_number_or_consent_step_resumes_there(
    chat: Chat, db: Database, clock: FakeClock, content: Content
) -> None:
    await chat.say("I want a quote")
    await fill(chat, HOT["en"], until="rooms")
    replies = await chat.say("how much is the Cam 4K?")
    assert replies[-1].text == t(
        content, "lead_resume", "en", question=prompt(content, "rooms", "en")
    )
    assert "rooms" not in (await form_state(db, clock, chat))["data"]["answers"]
    await fill(chat, since(HOT["en"], "rooms"))
    consent = content.lead_form.consent.text.en
    assert chat.last.text == consent
    replies = await chat.say("do you ship to Canada?")
    assert replies[-1].text == t(content, "lead_resume", "en", question=consent)
    assert chat.payloads() == ["lead:consent:yes", "lead:consent:no"]
    assert (await crm(db, clock)).leads == []
    await chat.say("yes")
    [consent_row] = (await crm(db, clock)).consents
    assert consent_row.text_shown == consent


async def test_asking_for_a_quote_again_keeps_the_answers(
    chat: Chat, db: Database, clock: FakeClock, content: Content
) -> None:
    await chat.say("I want a quote")
    await chat.say("Jo Miller")
    for again in (chat.say("I want a quote"), chat.click("lead:start")):
        replies = await again
        question = prompt(content, "email", "en")
        assert [r.text for r in replies] == [t(content, "lead_resume", "en", question=question)]
    assert (await form_state(db, clock, chat))["data"]["answers"] == {"name": "Jo Miller"}


async def test_switching_language_re_asks_and_records_the_consent_text_shown(
    chat: Chat, db: Database, clock: FakeClock, content: Content
) -> None:
    await chat.say("我想要报价")
    await fill(chat, HOT["zh"], until="phone")
    replies = await chat.say("English please")
    assert replies[-1].text == t(
        content, "lead_resume", "en", question=prompt(content, "phone", "en")
    )
    await fill(chat, since(HOT["en"], "phone"))
    assert chat.last.text == content.lead_form.consent.text.en
    await chat.say("yes")
    [consent] = (await crm(db, clock)).consents
    assert consent.text_shown == content.lead_form.consent.text.en


# ── leaving without storing ──────────────────────────────────────────────
@pytest.mark.parametrize("lang", LANGS)
async def test_cancel_at_any_point_stores_nothing(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    await chat.say(START[lang])
    await fill(chat, HOT[lang], until="rooms")
    replies = await chat.say(CANCEL[lang])
    assert text_of(replies) == t(content, "lead_cancelled", lang)
    state = await form_state(db, clock, chat)
    assert (state["flow"], state["step"], state["data"]) == (None, None, {})
    store = await crm(db, clock)
    assert store.leads == [] and store.consents == []
    assert (store.contacts[0].email, store.contacts[0].phone) == (None, None)
    # The cancel button works too, and a new form starts from the beginning.
    await chat.click("lead:start")
    replies = await chat.click("lead:cancel")
    assert text_of(replies) == t(content, "lead_cancelled", lang)


@pytest.mark.parametrize("lang", LANGS)
async def test_declined_consent_stores_nothing_personal(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    await chat.say(START[lang])
    await fill(chat, HOT[lang])
    replies = await chat.say(NO[lang])
    assert text_of(replies) == t(content, "lead_consent_declined", lang)
    store = await crm(db, clock)
    assert store.leads == [] and store.consents == []
    [contact] = store.contacts
    assert (contact.name, contact.email, contact.phone, contact.company) == (None,) * 4
    state = await form_state(db, clock, chat)
    assert (state["flow"], state["data"]) == (None, {})


# ── returning customers ──────────────────────────────────────────────────
@pytest.mark.parametrize("lang", LANGS)
async def test_same_email_on_another_channel_merges_into_one_contact_and_lead(
    new_chat: Callable[..., Chat],
    db: Database,
    clock: FakeClock,
    content: Content,
    lang: str,
) -> None:
    telegram = new_chat("telegram", chat_id="4242")
    await telegram.say(START[lang])
    await fill(telegram, HOT[lang])
    await telegram.say(YES[lang])

    web = new_chat("webchat", chat_id="web-7")
    await web.say(START[lang])
    await web.say(HOT[lang]["name"])
    await web.say(HOT[lang]["email"].upper())
    await web.click("lead:skip")  # phone
    await web.click("lead:skip")  # company
    await web.say("40")
    await web.click("lead:skip")
    await web.click("lead:choice:1to3m")
    await web.click("lead:skip")
    replies = await web.click("lead:consent:yes")

    assert replies[0].text == t(content, "lead_merged", lang)
    assert replies[1].text == t(content, "lead_qualified", lang)
    store = await crm(db, clock)
    [contact] = store.contacts
    assert store.identities[contact.id] == [("telegram", "4242"), ("webchat", "web-7")]
    assert (contact.email, contact.phone) == (STORED[lang]["email"], STORED[lang]["phone"])
    [lead] = store.leads  # the open lead was enriched, not duplicated
    assert (lead.contact_id, lead.source_channel, lead.status) == (
        contact.id,
        "telegram",
        "qualified",
    )
    assert (lead.answers["rooms"], lead.answers["timeline"]) == (40, "1to3m")
    assert lead.answers["company"] == HOT[lang]["company"]  # kept from the first form
    assert [c.channel for c in store.consents] == ["telegram", "webchat"]
    assert {c.contact_id for c in store.consents} == {contact.id}


async def test_the_same_phone_merges_too_and_keeps_the_known_email(
    new_chat: Callable[..., Chat], db: Database, clock: FakeClock, content: Content
) -> None:
    slack = new_chat("slack", chat_id="D1", user_id="U1")
    await slack.say("I want a quote")
    await fill(slack, HOT["en"])
    await slack.say("yes")
    web = new_chat("webchat", chat_id="web-9")
    await web.say("I want a quote")
    await fill(
        web, {"name": "Joanna Miller", "email": "joanna@home.example", "phone": "(617) 555-0100"}
    )
    await fill(web, {"company": "skip", "rooms": "3", "product_interest": "skip"})
    await fill(web, {"timeline": "lead:choice:exploring", "budget": "skip"})
    replies = await web.say("yes")
    assert replies[0].text == t(content, "lead_merged", "en")
    store = await crm(db, clock)
    [contact] = store.contacts
    assert (contact.name, contact.email) == ("Joanna Miller", STORED["en"]["email"])
    assert len(store.identities[contact.id]) == 2 and len(store.leads) == 1


@pytest.mark.parametrize("lang", LANGS)
async def test_a_returning_contact_is_not_asked_what_we_know(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    await chat.say(START[lang])
    await fill(chat, HOT[lang])
    await chat.say(YES[lang])

    replies = await chat.say(START[lang])
    assert [r.text for r in replies] == [
        t(content, "lead_start", lang),
        prompt(content, "rooms", lang),
    ]
    await chat.say("3")
    await chat.click("lead:skip")
    await chat.click("lead:choice:exploring")
    replies = await chat.click("lead:skip")
    assert replies[-1].text == content.lead_form.consent.text.get(lang)
    await chat.click("lead:consent:yes")
    store = await crm(db, clock)
    [lead] = store.leads
    assert lead.answers["rooms"] == 3 and lead.answers["email"] == STORED[lang]["email"]
    assert len(store.consents) == 2


async def test_a_telegram_display_name_counts_as_known(
    new_chat: Callable[..., Chat], content: Content
) -> None:
    chat = new_chat("telegram", chat_id="99", display_name="Mia Chen")
    replies = await chat.say("I want a quote")
    assert replies[-1].text == prompt(content, "email", "en")


# ── reading the customer's words (pure) ──────────────────────────────────
@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("actually my email is jo@acme.com", "email", "jo@acme.com"),
        ("Sorry, my phone is +1 617 555 0100.", "phone", "+1 617 555 0100"),
        ("oops my e-mail's jo@acme.com", "email", "jo@acme.com"),
        ("please change my company to Acme Ltd", "company", "Acme Ltd"),
        ("my name is Jo Miller", "name", "Jo Miller"),
        ("call me Jo", "name", "Jo"),
        ("其实我的邮箱是jo@acme.com", "email", "jo@acme.com"),
        ("不好意思，我的手机号是13800138000", "phone", "13800138000"),
        ("我叫王伟", "name", "王伟"),
        ("公司名称是阿里巴巴", "company", "阿里巴巴"),
    ],
)
def test_corrections_are_recognised(text: str, field: str, value: str) -> None:
    correction = parse_correction(text)
    assert correction is not None
    assert (correction.field, correction.value) == (field, value)


@pytest.mark.parametrize("text", ["Acme Ltd", "jo@acme.com", "my company", "名字", "Isabel"])
def test_plain_answers_are_not_corrections(text: str) -> None:
    assert parse_correction(text) is None


@pytest.mark.parametrize(
    ("text", "shaped"),
    [
        ("what's your return policy?", True),
        ("how long is the warranty", True),
        ("退货政策是什么", True),
        ("可以开发票吗", True),
        ("Acme Inc", False),
        ("Who", False),
        ("王伟", False),
    ],
)
def test_question_shape(text: str, shaped: bool) -> None:
    assert question_shaped(text) is shaped


def test_interruptions_for_free_text_need_a_question_or_a_clear_command() -> None:
    assert not is_interruption(
        "Acme Shipping", "ask_shipping", 1.0, free_text=True, valid_answer=True
    )
    assert not is_interruption(
        "Acme Shipping Ltd", "ask_shipping", 1.0, free_text=True, valid_answer=True
    )
    assert not is_interruption(
        "深圳市顺丰速运有限公司", "ask_shipping", 0.8, free_text=True, valid_answer=True
    )
    assert is_interruption("Acme?", None, 0.1, free_text=True, valid_answer=True)
    assert is_interruption(
        "talk to a person", "talk_to_human", 1.0, free_text=True, valid_answer=True
    )
    assert not is_interruption("5?", None, 0.2, free_text=False, valid_answer=True)
    assert is_interruption("lots", "ask_price", 0.8, free_text=False, valid_answer=False)
    assert not is_interruption("lots", None, 0.2, free_text=False, valid_answer=False)


# ── answers given in the opening message (#16) ──────────────────────────
@pytest.mark.parametrize("lang", LANGS)
async def test_the_opening_message_prefills_product_quantity_and_email(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    opening = {
        "en": "I need a quote for 20 Cam 4K cameras, my email is jo@acme-rooms.com",
        "zh": "我要 20 台 Cam 4K 的报价，邮箱 jo@acme-rooms.com",
    }[lang]
    await chat.say(opening)
    assert chat.last.text == prompt(content, "name", lang)
    await chat.say(HOT[lang]["name"])
    assert chat.last.text == prompt(content, "phone", lang)  # the e-mail is not asked
    state = await form_state(db, clock, chat)
    assert state["data"]["answers"] == {
        "name": HOT[lang]["name"],
        "email": "jo@acme-rooms.com",
        "rooms": 20,
        "product_interest": "cam4k",
    }
