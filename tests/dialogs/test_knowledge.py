"""The knowledge base: BM25 retrieval over the demo FAQ and catalog, product name matching."""

from __future__ import annotations

import time

import pytest

from dialogs.core.content import Content
from dialogs.knowledge.index import CONFIDENT, KnowledgeBase
from dialogs.knowledge.text import is_follow_up, stem, terms, words


@pytest.fixture(scope="module")
def kb(content: Content) -> KnowledgeBase:
    return KnowledgeBase(content.catalog, content.faq)


PARAPHRASES_EN = [
    ("do you ship to Europe?", "shipping-regions"),
    ("can I pay in instalments", "payment-leasing"),
    ("can I pay in installments?", "payment-leasing"),
    ("what's your return policy", "returns-window"),
    ("how long is the guarantee", "warranty-length"),
    ("when do I get my money back", "returns-refund-time"),
    ("who pays customs", "shipping-duties"),
    ("does it work with zoom", "compatibility-platforms"),
    ("can you install it for us", "installation-professional"),
    ("is the whiteboard delivered by freight", "shipping-board-freight"),
    ("can I cancel the cloud subscription", "cloud-cancel"),
]
PARAPHRASES_ZH = [
    ("退货政策是什么", "returns-window"),
    ("支持分期付款吗", "payment-leasing"),
    ("能寄到欧洲吗", "shipping-regions"),
    ("保修几年", "warranty-length"),
    ("运费多少钱", "shipping-cost"),
    ("退款多久到账", "returns-refund-time"),
    ("能开专票吗", "payment-fapiao"),
    ("支持飞书登录吗", "security-sso"),
    ("坏了怎么保修", "warranty-claim"),
]


@pytest.mark.parametrize(("text", "entry"), PARAPHRASES_EN)
def test_english_paraphrases_find_their_faq_entry(kb: KnowledgeBase, text: str, entry: str) -> None:
    hits = kb.search(text, "en")
    assert hits[0].id == entry
    assert hits[0].kind == "faq"
    assert hits[0].title == kb.faq_entry(entry).question.en  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "entry"), PARAPHRASES_ZH)
def test_chinese_paraphrases_find_their_faq_entry(kb: KnowledgeBase, text: str, entry: str) -> None:
    hits = kb.search(text, "zh")
    assert hits[0].id == entry
    assert hits[0].title == kb.faq_entry(entry).question.zh  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("do you ship to Europe?", "en"),
        ("what's your return policy", "en"),
        ("when do I get my money back", "en"),
        ("退货政策是什么", "zh"),
        ("支持分期付款吗", "zh"),
        ("多久能发货", "zh"),
    ],
)
def test_close_paraphrases_are_confident(kb: KnowledgeBase, text: str, lang: str) -> None:
    assert kb.search(text, lang)[0].confident


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("what's the weather in paris", "en"),
        ("who won the football match yesterday", "en"),
        ("tell me a joke", "en"),
        ("I like turtles", "en"),
        ("今天天气怎么样", "zh"),
        ("昨天足球比赛谁赢了", "zh"),
        ("推荐一家餐厅", "zh"),
    ],
)
def test_out_of_scope_messages_are_not_confident(kb: KnowledgeBase, text: str, lang: str) -> None:
    hits = kb.search(text, lang)
    assert not hits or hits[0].score < CONFIDENT


def test_scores_are_normalised_per_query(kb: KnowledgeBase) -> None:
    # The FAQ question itself, asked word for word, is a full match whatever its length.
    short = kb.search("How long is the warranty?", "en")[0]
    long = kb.search("Can I cancel my Auralis Cloud subscription? Is there a minimum term?", "en")[
        0
    ]
    assert (short.id, long.id) == ("warranty-length", "cloud-cancel")
    assert short.score >= 1.0 and long.score >= 1.0


def test_topic_filter_keeps_only_that_topic(kb: KnowledgeBase, content: Content) -> None:
    topics = {e.id: e.topic for e in content.faq.entries}
    unfiltered = kb.search("how long does it take", "en", k=5)
    assert {topics.get(h.id) for h in unfiltered} - {"returns"}  # other topics compete...
    hits = kb.search("how long does it take", "en", k=5, topic="returns")
    assert hits and all(topics[h.id] == "returns" for h in hits)  # ...until filtered
    assert hits[0].id == "returns-refund-time"
    zh = kb.search("多久", "zh", k=5, topic="shipping")
    assert zh and all(topics[h.id] == "shipping" for h in zh)


def test_products_are_documents_too(kb: KnowledgeBase) -> None:
    hits = kb.search("白板有货吗", "zh", kind="product")
    assert hits[0].id == "board"
    assert hits[0].title == "Auralis Board 智能会议白板"
    assert kb.search("speakerphone with bluetooth and battery", "en")[0].id == "speak"
    assert all(h.kind == "faq" for h in kb.search("speakerphone battery", "en", kind="faq"))


def test_search_limited_to_entries_about_a_product(kb: KnowledgeBase) -> None:
    hits = kb.search("cheaper if we pay annually", "en", about=["cloud"], kind="faq")
    assert hits[0].id == "pricing-cloud-annual"
    assert kb.search("cheaper if we pay annually", "en", about=["speak"], kind="faq") == []


def test_products_in_finds_names_and_aliases_in_order(kb: KnowledgeBase) -> None:
    found = kb.products_in("what's the price of the video bar and a mic pod, and the puck?")
    assert [p.id for p in found] == ["bar", "micpod", "speak"]
    assert [p.id for p in kb.products_in("How much is the CAM 4K?")] == ["cam4k"]
    assert [p.id for p in kb.products_in("cam4k vs the whiteboard")] == ["cam4k", "board"]


def test_english_product_names_inside_chinese_text(kb: KnowledgeBase) -> None:
    assert [p.id for p in kb.products_in("Auralis Bar和Cam 4K哪个好")] == ["bar", "cam4k"]
    assert [p.id for p in kb.products_in("我想了解一下八爪鱼和 Mic Pod")] == ["speak", "micpod"]
    assert [p.id for p in kb.products_in("65寸白板多少钱")] == ["board"]
    # The longest name wins: one product, not "Bar" plus "视频会议一体机" twice.
    mentions = kb.mentions("Auralis Bar 视频会议一体机多少钱")
    assert [(m.product_id, m.text) for m in mentions] == [("bar", "Auralis Bar 视频会议一体机")]


def test_product_names_do_not_match_inside_other_words(kb: KnowledgeBase) -> None:
    assert kb.products_in("the sidebar of github is cloudy") == []
    assert kb.products_in("barcode扫描") == []


def test_faq_entry_and_product_lookups(kb: KnowledgeBase) -> None:
    assert kb.faq_entry("returns-window").topic == "returns"  # type: ignore[union-attr]
    assert kb.faq_entry("no-such-entry") is None
    assert kb.product("speak").plans[0].price == 249  # type: ignore[union-attr]
    assert kb.product("nope") is None


def test_index_builds_fast(content: Content) -> None:
    started = time.perf_counter()
    kb = KnowledgeBase(content.catalog, content.faq)
    elapsed = time.perf_counter() - started
    # ~50 ms on the demo catalog (2 languages, ~60 documents each); generous for slow CI.
    assert kb.build_seconds < 1.0 and elapsed < 1.0


def test_words_glue_latin_letters_split_by_the_chinese_tokenizer() -> None:
    assert [w.text for w in words("cam4k支持SAML吗")] == ["cam4k", "支", "持", "saml", "吗"]
    assert [w.text for w in words("I don't know")] == ["i", "do", "not", "know"]
    unigrams, bigrams = terms("退货政策")
    assert unigrams == ["退", "货", "政", "策"] and "退货" in bigrams and "政策" in bigrams
    assert stem("installments") == stem("instalments") == stem("instalment")
    assert stem("shipping") == stem("ships") == "ship"


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        ("and how much is it?", True),
        ("what about the price?", True),
        ("is it in stock?", True),
        ("那它多少钱？", True),
        ("价格呢？", True),
        ("do you have volume discounts?", False),
        ("how much for 10 units?", False),
        ("白板有货吗", False),
    ],
)
def test_follow_up_questions_name_nothing_new(text: str, follow_up: bool) -> None:
    assert is_follow_up(text) is follow_up
