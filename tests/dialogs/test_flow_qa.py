"""Product Q&A, conversation level, in English and Chinese, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.handoff import InMemoryHandoff
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import ConversationStatus, UnansweredQuestion
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from dialogs.core.state import DialogState
from dialogs.core.types import Reply
from tests.driver import Chat, text_of

NEXT_STEPS = ["lead:start", "book:start", "handoff:request"]
PRODUCT_IDS = ["cam4k", "bar", "speak", "board", "hub", "micpod", "cloud", "care"]
# Messages the demo NLU calls out of scope and the knowledge base has no answer for.
OUT_OF_SCOPE = {
    "en": ["what's the weather in paris", "I like turtles", "purple elephants dance quietly"],
    "zh": ["今天天气怎么样", "我喜欢小猫", "法国的首都是哪里"],
}


async def state_of(chat: Chat, db: Database, clock: FakeClock) -> DialogState:
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.get(_conversation_id(chat))
        return DialogState.from_json(conversation.state)


async def status_of(chat: Chat, db: Database, clock: FakeClock) -> str:
    async with UnitOfWork(db, clock) as uow:
        return (await uow.conversations.get(_conversation_id(chat))).status


async def unanswered(db: Database, clock: FakeClock) -> list[UnansweredQuestion]:
    async with UnitOfWork(db, clock) as uow:
        return await uow.unanswered.since()


def _conversation_id(chat: Chat) -> int:
    conversation_id = chat.receipts[-1].conversation_id
    assert conversation_id is not None
    return conversation_id


def payloads(replies: list[Reply]) -> list[str]:
    return [b.payload for r in replies for b in r.buttons]


def t(content: Content, key: str, lang: str, **values: object) -> str:
    return content.text(key, lang, **values)


# ── product answers ───────────────────────────────────────────────────────────
@pytest.mark.parametrize(
    ("lang", "question"), [("en", "how much is the Cam 4K?"), ("zh", "Cam 4K 多少钱？")]
)
async def test_price_lists_every_plan_from_the_catalog(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str, question: str
) -> None:
    replies = await chat.say(question)
    cam = content.catalog.product("cam4k")
    assert cam is not None
    text = text_of(replies)
    assert cam.name.get(lang) in text
    for plan in cam.plans:  # 899 and 1,049
        assert f"{plan.name.get(lang)}" in text and f"{plan.price:,.0f}" in text
    assert t(content, "currency_usd", lang) in text and t(content, "period_once", lang) in text
    assert payloads(replies) == NEXT_STEPS
    state = await state_of(chat, db, clock)
    assert state.last_product == "cam4k" and state.fallbacks == 0


@pytest.mark.parametrize(
    ("lang", "question", "period"),
    [("en", "how much is Auralis Cloud?", "per month"), ("zh", "Auralis Cloud 多少钱", "/月")],
)
async def test_subscription_prices_say_the_period(
    chat: Chat, lang: str, question: str, period: str
) -> None:
    text = text_of(await chat.say(question))
    for price in ("9", "19", "35"):
        assert f"{price} {'USD' if lang == 'en' else '美元'}" in text
    assert text.count(period) == 3


@pytest.mark.parametrize(
    ("lang", "question"), [("en", "what are the features of the hub"), ("zh", "Hub 有什么功能")]
)
async def test_features_list_the_catalog_features(
    chat: Chat, content: Content, lang: str, question: str
) -> None:
    replies = await chat.say(question)
    hub = content.catalog.product("hub")
    assert hub is not None
    assert text_of(replies).startswith(
        t(content, "product_answer_features", lang, product=hub.name.get(lang), features="")[:8]
    )
    for feature in hub.features.get(lang):
        assert f"• {feature}" in text_of(replies)
    assert payloads(replies) == NEXT_STEPS


@pytest.mark.parametrize(
    ("lang", "question"), [("en", "is the board in stock?"), ("zh", "Auralis Board 有货吗")]
)
async def test_availability_with_dispatch_time(
    chat: Chat, content: Content, lang: str, question: str
) -> None:
    text = text_of(await chat.say(question))
    assert t(content, "availability_preorder", lang) in text
    assert "21" in text  # lead_time_days of the Board


@pytest.mark.parametrize(
    ("lang", "question"), [("en", "is Auralis Cloud available?"), ("zh", "Auralis Cloud 有货吗")]
)
async def test_availability_without_dispatch_when_nothing_ships(
    chat: Chat, content: Content, lang: str, question: str
) -> None:
    text = text_of(await chat.say(question))
    cloud = content.catalog.product("cloud")
    assert cloud is not None and cloud.lead_time_days == 0
    status = t(content, "availability_in_stock", lang)
    assert text == t(
        content, "product_availability_now", lang, product=cloud.name.get(lang), status=status
    )


async def test_a_described_product_is_found_without_its_name(chat: Chat, content: Content) -> None:
    # "白板" alone is no alias of the Board, but the catalog text describes a whiteboard.
    text = text_of(await chat.say("白板有货吗"))
    assert t(content, "availability_preorder", "zh") in text


@pytest.mark.parametrize(
    ("lang", "question"),
    [("en", "compare the bar and the speak"), ("zh", "Bar 和 Speak 有什么区别")],
)
async def test_compare_two_products_side_by_side(
    chat: Chat, content: Content, lang: str, question: str
) -> None:
    replies = await chat.say(question)
    bar, speak = content.catalog.product("bar"), content.catalog.product("speak")
    assert bar is not None and speak is not None
    text = text_of(replies)
    intro = t(content, "compare_intro", lang, a=bar.name.get(lang), b=speak.name.get(lang))
    assert text.startswith(intro)
    for product in (bar, speak):
        assert product.summary.get(lang) in text
        assert product.features.get(lang)[0] in text
    assert "1,499" in text and "249" in text
    assert text.index(bar.summary.get(lang)) < text.index(speak.summary.get(lang))
    assert payloads(replies) == NEXT_STEPS


@pytest.mark.parametrize(
    ("lang", "question"), [("en", "how does the bar compare?"), ("zh", "Bar 怎么比？")]
)
async def test_compare_one_product_asks_with_which(
    chat: Chat, content: Content, lang: str, question: str
) -> None:
    replies = await chat.say(question)
    bar = content.catalog.product("bar")
    assert bar is not None
    assert text_of(replies) == t(content, "compare_which", lang, product=bar.name.get(lang))
    others = [p for p in PRODUCT_IDS if p != "bar"]
    assert payloads(replies) == [f"qa:product:{p}:compare:bar" for p in others]
    text = text_of(await chat.click("qa:product:cam4k:compare:bar"))
    assert text.startswith(
        t(content, "compare_intro", lang, a=bar.name.get(lang), b=_name(content, "cam4k", lang))
    )
    assert "1,499" in text and "899" in text


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("what are the features of the hub", "compare it with the speak"),
        ("Hub 有什么功能", "它和 Speak 比怎么样"),
    ],
)
async def test_compare_it_with_another_uses_the_previous_product(
    chat: Chat, content: Content, first: str, second: str
) -> None:
    await chat.say(first)
    text = text_of(await chat.say(second))
    lang = "zh" if "功能" in first else "en"
    intro = t(
        content,
        "compare_intro",
        lang,
        a=_name(content, "hub", lang),
        b=_name(content, "speak", lang),
    )
    assert text.startswith(intro)
    assert "599" in text and "249" in text  # Hub and Speak


# ── follow-ups and product buttons ────────────────────────────────────────────
@pytest.mark.parametrize(
    ("lang", "first", "follow_up"),
    [
        ("en", "tell me about the features of the speak", "and how much is it?"),
        ("zh", "Speak 有什么功能", "那它多少钱？"),
    ],
)
async def test_follow_up_uses_the_previous_product(
    chat: Chat, db: Database, clock: FakeClock, lang: str, first: str, follow_up: str
) -> None:
    await chat.say(first)
    text = text_of(await chat.say(follow_up))
    assert "249" in text  # the Speak's price
    assert (await state_of(chat, db, clock)).last_product == "speak"


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_price_without_a_product_offers_product_buttons(
    chat: Chat, content: Content, lang: str
) -> None:
    replies = await chat.say({"en": "how much does it cost?", "zh": "多少钱？"}[lang])
    assert text_of(replies) == t(content, "product_which", lang)
    assert payloads(replies) == [f"qa:product:{p}:price" for p in PRODUCT_IDS]
    assert [b.title for b in replies[-1].buttons][0] == _name(content, "cam4k", lang)
    text = text_of(await chat.click("qa:product:bar:price"))
    assert "1,499" in text and "1,949" in text


async def test_product_button_gives_an_overview(chat: Chat, content: Content) -> None:
    await chat.say("hello")
    replies = await chat.click("qa:product:micpod")
    micpod = content.catalog.product("micpod")
    assert micpod is not None
    assert micpod.summary.en in text_of(replies) and "199" in text_of(replies)
    assert payloads(replies) == NEXT_STEPS


async def test_stale_product_button_asks_which_product(chat: Chat, content: Content) -> None:
    replies = await chat.click("qa:product:discontinued:price")
    assert text_of(replies) == t(content, "product_which", "en")


# ── FAQ answers ───────────────────────────────────────────────────────────────
@pytest.mark.parametrize(
    ("lang", "question", "entry"),
    [
        ("en", "do you ship to Europe?", "shipping-regions"),
        ("en", "can I pay in instalments", "payment-leasing"),
        ("en", "what's your return policy", "returns-window"),
        ("en", "how long is the warranty", "warranty-length"),
        ("en", "Is Auralis Cloud cheaper if we pay annually?", "pricing-cloud-annual"),
        ("zh", "退货政策是什么", "returns-window"),
        ("zh", "支持分期付款吗", "payment-leasing"),
        ("zh", "能寄到欧洲吗", "shipping-regions"),
        ("zh", "保修多久", "warranty-length"),
    ],
)
async def test_faq_questions_get_the_faq_answer(
    chat: Chat, content: Content, lang: str, question: str, entry: str
) -> None:
    replies = await chat.say(question)
    faq = next(e for e in content.faq.entries if e.id == entry)
    assert text_of(replies) == faq.answer.get(lang)
    assert payloads(replies) == NEXT_STEPS


async def test_faq_button_answers_that_entry(chat: Chat, content: Content) -> None:
    await chat.say("你好")
    replies = await chat.click("qa:faq:warranty-claim")
    faq = next(e for e in content.faq.entries if e.id == "warranty-claim")
    assert text_of(replies) == faq.answer.zh


async def test_stale_faq_button_shows_the_help_menu(chat: Chat, content: Content) -> None:
    replies = await chat.click("qa:faq:removed-entry")
    assert text_of(replies) == t(content, "help_menu", "en")
    assert payloads(replies) == NEXT_STEPS


# ── when the bot is unsure ────────────────────────────────────────────────────
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_fallbacks_rephrase_then_offer_a_rep_then_hand_off(
    chat: Chat,
    db: Database,
    clock: FakeClock,
    content: Content,
    handoff: InMemoryHandoff,
    lang: str,
) -> None:
    first, second, third = OUT_OF_SCOPE[lang]
    replies = await chat.say(first)
    assert text_of(replies) == t(content, "fallback_rephrase", lang)
    buttons = replies[-1].buttons
    assert len(buttons) == 3 and all(b.payload.startswith("qa:faq:") for b in buttons)
    questions = {f"qa:faq:{e.id}": e.question.get(lang) for e in content.faq.entries}
    assert all(questions[b.payload] == b.title for b in buttons)
    state = await state_of(chat, db, clock)
    assert (state.fallbacks, state.rephrase_asked) == (1, True)

    replies = await chat.say(second)
    assert text_of(replies) == t(content, "fallback_offer_rep", lang)
    assert payloads(replies) == ["handoff:request"]
    assert (await state_of(chat, db, clock)).fallbacks == 2
    assert handoff.of_kind("requested") == []

    replies = await chat.say(third)  # fallbacks_before_handoff: 3 in config/settings.yaml
    assert text_of(replies) == t(content, "handoff_started", lang)
    assert await status_of(chat, db, clock) == ConversationStatus.HANDOFF
    [event] = handoff.of_kind("requested")
    assert (event.reason, event.text, event.conversation_id) == (
        "fallbacks",
        third,
        _conversation_id(chat),
    )

    rows = await unanswered(db, clock)
    assert [(r.text, r.language, r.conversation_id) for r in rows] == [
        (text, lang, _conversation_id(chat)) for text in (first, second, third)
    ]


async def test_handoff_after_fallbacks_outside_working_hours_offers_a_booking(
    chat: Chat, db: Database, clock: FakeClock, content: Content, handoff: InMemoryHandoff
) -> None:
    clock.set(datetime(2026, 3, 1, 3, 0, tzinfo=UTC))  # Sunday night: nobody works
    for text in OUT_OF_SCOPE["en"]:
        replies = await chat.say(text)
    assert payloads(replies) == ["book:start"]
    assert await status_of(chat, db, clock) == ConversationStatus.BOT
    assert handoff.of_kind("requested") == []
    assert (await state_of(chat, db, clock)).fallbacks == 0  # the count starts again
    assert len(await unanswered(db, clock)) == 3


@pytest.mark.parametrize(
    ("lang", "answerable"), [("en", "what's your return policy"), ("zh", "退货政策是什么")]
)
async def test_an_answer_resets_the_fallback_count(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str, answerable: str
) -> None:
    first, second, third = OUT_OF_SCOPE[lang]
    await chat.say(first)
    await chat.say(second)
    assert (await state_of(chat, db, clock)).fallbacks == 2
    await chat.say(answerable)
    state = await state_of(chat, db, clock)
    assert (state.fallbacks, state.rephrase_asked) == (0, False)
    # The next miss is a first miss again: rephrase, not a rep and not a handoff.
    replies = await chat.say(third)
    assert text_of(replies) == t(content, "fallback_rephrase", lang)
    assert (await state_of(chat, db, clock)).fallbacks == 1
    assert await status_of(chat, db, clock) == ConversationStatus.BOT


async def test_a_message_without_text_is_not_recorded_as_a_question(
    chat: Chat, db: Database, clock: FakeClock, content: Content
) -> None:
    replies = await chat.say("")  # e.g. a sticker
    assert text_of(replies) == t(content, "fallback_rephrase", "en")
    assert await unanswered(db, clock) == []


async def test_unanswered_questions_keep_the_best_guess(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    # FAQ answers are indexed too (#17), and "like" is in one ("who'd like to become
    # partners"), so the message with nothing in common shares no word with any answer.
    await chat.say("purple elephants dance")
    await chat.say("do your offices have a cafeteria")
    rows = await unanswered(db, clock)
    assert [r.text for r in rows] == ["purple elephants dance", "do your offices have a cafeteria"]
    assert all(r.message_id is None and r.language == "en" for r in rows)
    # No word in common with the knowledge base and no intent: nothing to guess. "offices"
    # points at the office-locations entry, below the confidence bar.
    assert [r.best_guess for r in rows] == [None, "company-locations"]


async def test_answered_questions_are_not_recorded_as_unanswered(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    await chat.say("do you ship to Europe?")
    await chat.say("Cam 4K 多少钱？")
    assert await unanswered(db, clock) == []


def _name(content: Content, product_id: str, lang: str) -> str:
    product = content.catalog.product(product_id)
    assert product is not None
    return product.name.get(lang)
