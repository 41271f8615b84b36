"""Surveys started in chat (``survey.triggers``), the per-contact cap
(``survey.min_days_between``), and the two #16 bugs: forget-me on "my email is ..." and
"Welcome back" for a first-time customer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from bot.assembly import build_hub
from bot.handoff import InMemoryHandoff
from bot.hub import ConversationHub
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import ConversationStatus, SurveyRequest
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from dialogs.nlu.pipeline import NluService
from tests.driver import Chat, text_of

LANGS = ["en", "zh"]
BYE = {"en": "thanks, bye", "zh": "就这些，再见"}
THANKS = {"en": "thank you", "zh": "谢谢"}
EMAIL = {"en": "my email is eve@example.org", "zh": "我的邮箱是 eve@example.org"}
ERASE = {
    "en": "please delete my data, my email is eve@example.org",
    "zh": "请删除我的数据，我的邮箱是 eve@example.org",
}
CONFIRM_ERASE = {"en": "permanently deletes", "zh": "永久删除"}
QUESTION = {"en": "how much is the Cam 4K?", "zh": "Cam 4K 多少钱？"}
# The demo's lead form, answered in order (as in test_flow_lead.py), up to the consent.
LEAD = {
    "en": [
        "Jo Miller",
        "jo@acme-rooms.com",
        "+1 617 555 0100",
        "Acme Rooms Ltd",
        "25 rooms",
        "lead:choice:bar",
        "within a month",
        "$30k",
    ],
    "zh": [
        "王伟",
        "wang.wei@example.cn",
        "13800138000",
        "深圳市顺丰速运有限公司",
        "二十五间",
        "lead:choice:bar",
        "一个月内",
        "3万美元",
    ],
}


def with_survey(settings: Settings, **survey: object) -> Settings:
    return settings.model_copy(update={"survey": settings.survey.model_copy(update=survey)})


@pytest.fixture
def make_hub(
    seeded_db: Database,
    clock: FakeClock,
    settings: Settings,
    content: Content,
    understanding: NluService,
    adapters: dict,
) -> Callable[..., ConversationHub]:
    def make(**survey: object) -> ConversationHub:
        return build_hub(
            settings=with_survey(settings, **survey),
            content=content,
            db=seeded_db,
            clock=clock,
            nlu=NluService(understanding.models, clock=clock, timezone=understanding.timezone),
            adapters=adapters,
            handoff=InMemoryHandoff(),
        )

    return make


def chat_on(hub: ConversationHub, adapters: dict, display_name: str | None = None) -> Chat:
    return Chat(hub, adapters["webchat"], chat_id="c1", user_id="c1", display_name=display_name)


async def requests(db: Database, clock: FakeClock) -> list[SurveyRequest]:
    async with UnitOfWork(db, clock) as uow:
        return list((await uow.session.scalars(select(SurveyRequest))).all())


def csat_prompt(content: Content, lang: str) -> str:
    return next(q for q in content.survey.questions if q.kind == "csat").prompt.get(lang)


@pytest.mark.parametrize("lang", LANGS)
async def test_goodbye_starts_the_survey_once(
    lang: str, make_hub, adapters, seeded_db, clock, content
) -> None:
    chat = chat_on(make_hub(), adapters)
    await chat.say(QUESTION[lang])
    replies = await chat.say(BYE[lang])
    assert csat_prompt(content, lang) in text_of(replies)
    [request] = await requests(seeded_db, clock)
    assert (request.trigger, request.status) == ("goodbye", "sent")
    await chat.click("survey:csat:5")
    await chat.click("survey:nps:9")
    await chat.click("survey:skip")
    again = await chat.say(BYE[lang])
    assert csat_prompt(content, lang) not in text_of(again)
    assert content.text("survey_already_answered", lang) not in text_of(again)
    assert [r.status for r in await requests(seeded_db, clock)] == ["answered"]


@pytest.mark.parametrize("lang", LANGS)
async def test_thanks_with_nothing_going_on_is_a_goodbye(
    lang: str, make_hub, adapters, content
) -> None:
    chat = chat_on(make_hub(), adapters)
    await chat.say(QUESTION[lang])
    replies = await chat.say(THANKS[lang])
    assert csat_prompt(content, lang) in text_of(replies)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_first_message_has_had_no_help_to_rate(
    lang: str, make_hub, adapters, seeded_db, clock, content
) -> None:
    chat = chat_on(make_hub(), adapters)
    assert csat_prompt(content, lang) not in text_of(await chat.say(THANKS[lang]))
    assert await requests(seeded_db, clock) == []


async def test_a_trigger_that_is_not_enabled_asks_nothing(
    make_hub, adapters, seeded_db, clock, content
) -> None:
    chat = chat_on(make_hub(triggers=("handoff",)), adapters)
    await chat.say(QUESTION["en"])
    replies = await chat.say(BYE["en"])
    assert csat_prompt(content, "en") not in text_of(replies)
    assert await requests(seeded_db, clock) == []


async def test_the_cap_holds_back_a_scheduled_survey_until_it_has_passed(
    make_hub, adapters, seeded_db, clock, content
) -> None:
    hub = make_hub(min_days_between=30)
    chat = chat_on(hub, adapters)
    await chat.say(QUESTION["en"])
    await chat.say(BYE["en"])  # surveyed now
    conversation_id = chat.receipts[0].conversation_id
    assert conversation_id is not None
    clock.advance(days=29)
    await hub.trigger(conversation_id, "survey", trigger="handoff", trigger_ref="handoff:1")
    assert [r.trigger for r in await requests(seeded_db, clock)] == ["goodbye"]
    clock.advance(days=1)
    receipt = await hub.trigger(
        conversation_id, "survey", trigger="handoff", trigger_ref="handoff:2"
    )
    assert csat_prompt(content, "en") in text_of(list(receipt.replies))


async def test_no_cap_when_min_days_between_is_zero(make_hub, adapters, seeded_db, clock) -> None:
    hub = make_hub(min_days_between=0)
    chat = chat_on(hub, adapters)
    await chat.say(QUESTION["en"])
    await chat.say(BYE["en"])
    conversation_id = chat.receipts[0].conversation_id
    assert conversation_id is not None
    async with UnitOfWork(seeded_db, clock) as uow:  # the goodbye survey left aside
        conversation = await uow.conversations.get(conversation_id, for_update=True)
        await uow.conversations.save_state(conversation, {})
    await hub.trigger(conversation_id, "survey", trigger="handoff", trigger_ref="handoff:1")
    assert sorted(r.trigger for r in await requests(seeded_db, clock)) == ["goodbye", "handoff"]


@pytest.mark.parametrize("lang", LANGS)
async def test_giving_an_email_is_not_a_forget_me(lang: str, make_hub, adapters) -> None:
    chat = chat_on(make_hub(), adapters)
    replies = await chat.say(EMAIL[lang])
    assert CONFIRM_ERASE[lang] not in text_of(replies)
    replies = await chat.say(ERASE[lang])
    assert CONFIRM_ERASE[lang] in text_of(replies)


async def test_welcome_back_only_with_an_earlier_conversation(
    make_hub, adapters, seeded_db, clock, content
) -> None:
    chat = chat_on(make_hub(), adapters, display_name="Dana")
    first = await chat.click("help:start")
    assert "Welcome back" not in text_of(first)
    conversation_id = chat.receipts[0].conversation_id
    assert conversation_id is not None
    async with UnitOfWork(seeded_db, clock) as uow:
        conversation = await uow.conversations.get(conversation_id, for_update=True)
        await uow.conversations.set_status(conversation, ConversationStatus.CLOSED)
    again = await chat.click("help:start")
    assert content.text("greeting_returning", "en", name="Dana") in text_of(again)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_stored_lead_form_is_followed_by_the_survey_when_enabled(
    lang: str, make_hub, adapters, seeded_db, clock, content
) -> None:
    chat = chat_on(make_hub(triggers=("lead",)), adapters)
    await chat.say({"en": "I want a quote", "zh": "我想要报价"}[lang])
    for value in LEAD[lang]:
        await (chat.click(value) if value.startswith("lead:") else chat.say(value))
    replies = await chat.say({"en": "yes", "zh": "同意"}[lang])  # consent: the lead is stored
    assert text_of(replies).endswith(csat_prompt(content, lang))
    [request] = await requests(seeded_db, clock)
    assert request.trigger == "lead" and request.trigger_ref.startswith("lead:")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_new_booking_is_followed_by_the_survey_when_enabled(
    lang: str, make_hub, adapters, seeded_db, clock, content
) -> None:
    chat = chat_on(make_hub(triggers=("booking",)), adapters)
    await chat.say({"en": "I'd like to book a call", "zh": "我想预约通话"}[lang])
    await chat.say({"en": "London", "zh": "上海"}[lang])
    await chat.click(chat.payloads()[0])
    await chat.say({"en": "Jo Smith", "zh": "周海燕"}[lang])  # #16: who is booked, then
    replies = await chat.say("jo@example.com")  # how to reach them; then it is booked
    assert text_of(replies).endswith(csat_prompt(content, lang))
    [request] = await requests(seeded_db, clock)
    assert request.trigger == "booking" and request.trigger_ref.startswith("booking:")


async def test_lead_and_booking_ask_nothing_by_default(
    make_hub, adapters, seeded_db, clock, content
) -> None:
    chat = chat_on(make_hub(), adapters)
    await chat.say("I'd like to book a call")
    await chat.say("London")
    await chat.click(chat.payloads()[0])
    await chat.say("Jo Smith")
    replies = await chat.say("jo@example.com")
    assert "You're booked!" in text_of(replies)
    assert csat_prompt(content, "en") not in text_of(replies)
    assert await requests(seeded_db, clock) == []
