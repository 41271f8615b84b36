"""The satisfaction survey, conversation level, in English and Chinese, on both stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.hub import ConversationHub
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import ConversationStatus, SurveyRequest, SurveyResponse
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from dialogs.core.types import Reply
from tests.driver import Chat, text_of

LANGS = ["en", "zh"]
HELLO = {"en": "hello", "zh": "你好"}
NPS_PAYLOADS = [f"survey:nps:{n}" for n in range(11)]
CSAT_PAYLOADS = [f"survey:csat:{n}" for n in range(1, 6)]


@dataclass
class Store:
    requests: list[SurveyRequest]
    responses: list[tuple[str, int | None, str | None]]  # (kind, score, comment)


async def store(db: Database, clock: FakeClock) -> Store:
    async with UnitOfWork(db, clock) as uow:
        requests = list((await uow.session.scalars(select(SurveyRequest))).all())
        rows = (await uow.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id))).all()
        return Store(requests, [(r.kind, r.score, r.comment) for r in rows])


async def dialog_flow(db: Database, clock: FakeClock, conversation_id: int) -> str | None:
    async with UnitOfWork(db, clock) as uow:
        return (await uow.conversations.get(conversation_id)).state.get("flow")


async def trigger(chat: Chat, hub: ConversationHub, ref: str = "conversation:12", **kw: object):
    before = len(chat.replies)
    conversation_id = chat.receipts[0].conversation_id
    assert conversation_id is not None
    await hub.trigger(conversation_id, "survey", trigger="handoff", trigger_ref=ref, **kw)
    return chat.replies[before:]


async def begin(chat: Chat, hub: ConversationHub, lang: str) -> list[Reply]:
    await chat.say(HELLO[lang])
    return await trigger(chat, hub)


def prompt(content: Content, lang: str, question_id: str) -> str:
    question = next(q for q in content.survey.questions if q.id == question_id)
    return question.prompt.get(lang)


@pytest.mark.parametrize("lang", LANGS)
async def test_full_survey_with_buttons(
    lang: str, chat: Chat, hub: ConversationHub, db: Database, clock: FakeClock, content: Content
) -> None:
    sent = await begin(chat, hub, lang)
    assert [r.text for r in sent] == [prompt(content, lang, "csat")]
    assert chat.payloads() == CSAT_PAYLOADS
    assert [b.title for b in chat.buttons()] == list(content.survey.csat_labels[lang])
    request = (await store(db, clock)).requests[0]
    assert (request.status, request.trigger, request.trigger_ref) == (
        "sent",
        "handoff",
        "conversation:12",
    )
    assert request.sent_at == clock.now()

    clock.advance(minutes=1)
    replies = await chat.click("survey:csat:4")
    assert text_of(replies) == prompt(content, lang, "nps")
    assert chat.payloads() == NPS_PAYLOADS
    assert [b.title for b in chat.buttons()] == [str(n) for n in range(11)]
    await chat.click("survey:nps:9")
    assert chat.last.text == prompt(content, lang, "comment")
    assert chat.payloads() == ["survey:skip"]
    assert chat.buttons()[0].title == content.text("button_skip", lang)
    comment = {"en": "Quick and friendly, thank you", "zh": "回复很快，态度也好"}[lang]
    replies = await chat.say(comment)
    assert text_of(replies) == content.text("survey_thanks", lang)

    rows = await store(db, clock)
    assert rows.responses == [("csat", 4, None), ("nps", 9, None), ("comment", None, comment)]
    assert rows.requests[0].status == "answered"
    assert rows.requests[0].answered_at == clock.now()
    assert await dialog_flow(db, clock, chat.receipts[0].conversation_id) is None
    async with UnitOfWork(db, clock) as uow:
        events = await uow.events.of_type("survey.completed")
    assert [(e.data["csat"], e.data["nps"]) for e in events] == [(4, 9)]


@pytest.mark.parametrize(
    ("lang", "csat", "nps", "scores"),
    [
        ("en", "five", "9", (5, 9)),
        ("en", "Very satisfied!", "I'd say 8", (5, 8)),
        ("en", "4/5", "ten", (4, 10)),
        ("zh", "五", "十", (5, 10)),
        ("zh", "非常满意", "９", (5, 9)),
        ("zh", "一般", "我给7分", (3, 7)),
    ],
)
async def test_typed_answers(
    lang: str,
    csat: str,
    nps: str,
    scores: tuple[int, int],
    chat: Chat,
    hub: ConversationHub,
    db: Database,
    clock: FakeClock,
    content: Content,
) -> None:
    await begin(chat, hub, lang)
    assert text_of(await chat.say(csat)) == prompt(content, lang, "nps")
    assert text_of(await chat.say(nps)) == prompt(content, lang, "comment")
    assert (await store(db, clock)).responses == [
        ("csat", scores[0], None),
        ("nps", scores[1], None),
    ]


@pytest.mark.parametrize(
    ("lang", "bad_csat", "bad_nps"),
    [
        ("en", ["7", "asdf qwer"], ["eleven", "11"]),
        ("zh", ["7", "不太满意"], ["十一", "非常满意"]),
    ],
)
async def test_invalid_answers_are_asked_again(
    lang: str,
    bad_csat: list[str],
    bad_nps: list[str],
    chat: Chat,
    hub: ConversationHub,
    db: Database,
    clock: FakeClock,
    content: Content,
) -> None:
    await begin(chat, hub, lang)
    for text in bad_csat:
        replies = await chat.say(text)
        assert text_of(replies) == content.text("survey_invalid_csat", lang)
        assert chat.payloads() == CSAT_PAYLOADS
    assert (await store(db, clock)).responses == []
    await chat.say("3")
    for text in bad_nps:
        replies = await chat.say(text)
        assert text_of(replies) == content.text("survey_invalid_nps", lang)
        assert chat.payloads() == NPS_PAYLOADS
    await chat.say("0")
    assert chat.last.text == prompt(content, lang, "comment")
    assert (await store(db, clock)).responses == [("csat", 3, None), ("nps", 0, None)]


async def test_forged_out_of_range_button_stores_nothing(
    chat: Chat, hub: ConversationHub, db: Database, clock: FakeClock, content: Content
) -> None:
    await begin(chat, hub, "en")
    replies = await chat.click("survey:csat:9")
    assert text_of(replies) == prompt(content, "en", "csat")
    assert (await store(db, clock)).responses == []


async def test_endless_gibberish_ends_the_survey(
    chat: Chat, hub: ConversationHub, db: Database, clock: FakeClock, content: Content
) -> None:
    await begin(chat, hub, "en")
    await chat.say("asdf qwer")
    await chat.say("zxcv")
    replies = await chat.say("qwerty")
    assert content.text("survey_invalid_csat", "en") not in text_of(replies)
    assert await dialog_flow(db, clock, chat.receipts[0].conversation_id) is None
    rows = await store(db, clock)
    assert rows.responses == [] and rows.requests[0].status == "sent"


@pytest.mark.parametrize(
    ("lang", "how"),
    [("en", "button"), ("zh", "button"), ("en", "skip"), ("zh", "跳过"), ("en", "no thanks")],
)
async def test_comment_can_be_skipped(
    lang: str,
    how: str,
    chat: Chat,
    hub: ConversationHub,
    db: Database,
    clock: FakeClock,
    content: Content,
) -> None:
    await begin(chat, hub, lang)
    await chat.click("survey:csat:5")
    await chat.click("survey:nps:10")
    replies = await (chat.click("survey:skip") if how == "button" else chat.say(how))
    assert text_of(replies) == content.text("survey_thanks", lang)
    rows = await store(db, clock)
    assert rows.responses == [("csat", 5, None), ("nps", 10, None)]
    assert rows.requests[0].status == "answered"


@pytest.mark.parametrize("lang", LANGS)
async def test_one_response_per_question(
    lang: str,
    chat: Chat,
    hub: ConversationHub,
    db: Database,
    clock: FakeClock,
    content: Content,
) -> None:
    await begin(chat, hub, lang)
    await chat.click("survey:csat:2")
    # A double click on the CSAT keyboard: the NPS question is asked again, nothing stored.
    replies = await chat.click("survey:csat:5")
    assert text_of(replies) == prompt(content, lang, "nps")
    await chat.click("survey:nps:3")
    await chat.click("survey:skip")
    assert chat.last.text == content.text("survey_thanks", lang)
    # Stale buttons after the end: a polite word, no row, no crash.
    for payload in ("survey:csat:1", "survey:nps:10", "survey:skip"):
        replies = await chat.click(payload)
        assert text_of(replies) == content.text("survey_already_answered", lang)
    rows = await store(db, clock)
    assert rows.responses == [("csat", 2, None), ("nps", 3, None)]
    assert [r.status for r in rows.requests] == ["answered"]


@pytest.mark.parametrize("lang", LANGS)
async def test_same_trigger_twice(
    lang: str,
    chat: Chat,
    hub: ConversationHub,
    db: Database,
    clock: FakeClock,
    content: Content,
) -> None:
    await begin(chat, hub, lang)
    # In progress: the question is already on screen, so nothing is sent again.
    assert await trigger(chat, hub) == []
    await chat.click("survey:csat:4")
    clock.advance(hours=2)  # even long after: the NPS question is still there to answer
    assert await trigger(chat, hub) == []
    await chat.click("survey:nps:7")
    await chat.click("survey:skip")
    # Answered: the customer is told, and no second request exists.
    again = await trigger(chat, hub)
    assert text_of(again) == content.text("survey_already_answered", lang)
    rows = await store(db, clock)
    assert len(rows.requests) == 1
    assert rows.responses == [("csat", 4, None), ("nps", 7, None)]


@pytest.mark.parametrize("lang", LANGS)
async def test_opted_out_contact_gets_nothing(
    lang: str,
    chat: Chat,
    hub: ConversationHub,
    db: Database,
    clock: FakeClock,
) -> None:
    await chat.say({"en": "stop", "zh": "不要再给我发消息了"}[lang])
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.get(chat.receipts[0].conversation_id)
        assert (await uow.contacts.get(conversation.contact_id)).marketing_opt_out
    assert await trigger(chat, hub) == []
    assert (await store(db, clock)).requests == []
    assert await dialog_flow(db, clock, chat.receipts[0].conversation_id) is None


async def test_opted_out_contact_request_from_the_scheduler_is_marked(
    chat: Chat, hub: ConversationHub, db: Database, clock: FakeClock
) -> None:
    await chat.say("stop")
    conversation_id = chat.receipts[0].conversation_id
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.get(conversation_id)
        request, _ = await uow.surveys.request(
            contact_id=conversation.contact_id,
            channel="webchat",
            trigger="follow_up",
            trigger_ref="follow_up:3",
            conversation_id=conversation_id,
        )
        request_id = request.id
    before = len(chat.replies)
    await hub.trigger(conversation_id, "survey", request_id=request_id)
    assert chat.replies[before:] == []
    assert [r.status for r in (await store(db, clock)).requests] == ["opted_out"]


@pytest.mark.parametrize(
    ("lang", "question", "answer"),
    [("en", "are you a bot?", "bot_challenge"), ("zh", "你是机器人吗？", "bot_challenge")],
)
async def test_question_mid_survey_is_answered_then_survey_resumes(
    lang: str,
    question: str,
    answer: str,
    chat: Chat,
    hub: ConversationHub,
    db: Database,
    clock: FakeClock,
    content: Content,
) -> None:
    await begin(chat, hub, lang)
    replies = await chat.say(question)
    assert [r.text for r in replies] == [content.text(answer, lang), prompt(content, lang, "csat")]
    assert chat.payloads() == CSAT_PAYLOADS
    await chat.click("survey:csat:5")
    replies = await chat.say({"en": "how much is the Cam 4K?", "zh": "Cam 4K 多少钱？"}[lang])
    # Routed to product Q&A (whatever it answers), not read as a score of 4; NPS asked again.
    assert replies[-1].text == prompt(content, lang, "nps")
    assert (await store(db, clock)).responses == [("csat", 5, None)]


async def test_stop_mid_survey_ends_it_quietly(
    chat: Chat, hub: ConversationHub, db: Database, clock: FakeClock, content: Content
) -> None:
    await begin(chat, hub, "en")
    replies = await chat.say("stop")
    assert [r.text for r in replies] == [content.text("stop_done", "en")]
    assert await dialog_flow(db, clock, chat.receipts[0].conversation_id) is None


async def test_a_comment_that_sounds_like_a_topic_is_still_a_comment(
    chat: Chat, hub: ConversationHub, db: Database, clock: FakeClock, content: Content
) -> None:
    await begin(chat, hub, "en")
    await chat.click("survey:csat:3")
    await chat.click("survey:nps:6")
    replies = await chat.say("The support was friendly but slow")
    assert text_of(replies) == content.text("survey_thanks", "en")
    assert (await store(db, clock)).responses[-1] == (
        "comment",
        None,
        "The support was friendly but slow",
    )


async def test_request_made_by_the_scheduler(
    chat: Chat, hub: ConversationHub, db: Database, clock: FakeClock, content: Content
) -> None:
    await chat.say("hello")
    conversation_id = chat.receipts[0].conversation_id
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.get(conversation_id)
        request, created = await uow.surveys.request(
            contact_id=conversation.contact_id,
            channel="webchat",
            trigger="follow_up",
            trigger_ref="follow_up:7",
            conversation_id=conversation_id,
        )
        assert created
        request_id = request.id
    await hub.trigger(conversation_id, "survey", request_id=request_id)
    assert chat.last.text == prompt(content, "en", "csat")
    await chat.click("survey:csat:1")
    rows = await store(db, clock)
    assert [(r.id, r.status) for r in rows.requests] == [(request_id, "sent")]
    assert rows.responses == [("csat", 1, None)]


async def test_survey_waits_while_another_flow_is_in_use(
    chat: Chat, hub: ConversationHub, db: Database, clock: FakeClock, content: Content
) -> None:
    await chat.say("hello")
    conversation_id = chat.receipts[0].conversation_id
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.get(conversation_id)
        await uow.conversations.save_state(conversation, {"flow": "lead", "step": "email"})
    assert await trigger(chat, hub) == []
    assert [r.status for r in (await store(db, clock)).requests] == ["pending"]
    clock.advance(hours=2)  # the form was abandoned: the survey may take over
    assert [r.text for r in await trigger(chat, hub)] == [prompt(content, "en", "csat")]
    assert [r.status for r in (await store(db, clock)).requests] == ["sent"]


async def test_no_survey_while_a_rep_has_the_conversation(
    chat: Chat, hub: ConversationHub, db: Database, clock: FakeClock
) -> None:
    await chat.say("hello")
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.get(chat.receipts[0].conversation_id)
        await uow.conversations.set_status(conversation, ConversationStatus.HANDOFF)
    assert await trigger(chat, hub) == []
    assert [r.status for r in (await store(db, clock)).requests] == ["pending"]


async def test_button_resumes_a_survey_whose_state_was_lost(
    chat: Chat, hub: ConversationHub, db: Database, clock: FakeClock, content: Content
) -> None:
    await begin(chat, hub, "en")
    await chat.click("survey:csat:4")
    conversation_id = chat.receipts[0].conversation_id
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.get(conversation_id)
        await uow.conversations.save_state(conversation, {})
    clock.advance(timedelta(hours=3))
    replies = await chat.click("survey:nps:8")
    assert text_of(replies) == prompt(content, "en", "comment")
    assert (await store(db, clock)).responses == [("csat", 4, None), ("nps", 8, None)]


async def test_language_switch_mid_survey_asks_again_in_the_new_language(
    chat: Chat, hub: ConversationHub, content: Content
) -> None:
    await begin(chat, hub, "en")
    replies = await chat.say("中文")
    assert replies[-1].text == prompt(content, "zh", "csat")
    assert [b.title for b in replies[-1].buttons] == list(content.survey.csat_labels["zh"])
