from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import spacy

from dialogs.nlu import Entity, EntityExtractor, Money, extract_entities, find_dates

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
# Friday 10 May 2024, 09:30 in Shanghai.
NOW = datetime(2024, 5, 10, 9, 30, tzinfo=SHANGHAI)
PRODUCTS = {
    "cam4k": ["Auralis Cam 4K", "cam 4k", "4k camera", "4K摄像头", "会议摄像头"],
    "hub": ["Auralis Hub", "hub"],
}


def entities(text: str, lang: str = "en", now: datetime | None = NOW) -> list[Entity]:
    nlp = spacy.blank(lang)
    extractor = nlp.add_pipe(
        "salesbot_entities",
        config={"phone_region": "CN" if lang == "zh" else "US"},
    )
    assert isinstance(extractor, EntityExtractor)
    extractor.set_products(PRODUCTS)
    doc = nlp.make_doc(text)
    doc._.salesbot_now = now
    return list(extractor(doc)._.salesbot_entities)


def values(text: str, label: str, lang: str = "en") -> list[object]:
    return [e.value for e in entities(text, lang) if e.label == label]


def test_email_is_validated_and_normalised() -> None:
    found = entities("write to Bob.Smith@Example.COM or bad@@x.com, thanks")
    assert [(e.label, e.text, e.value) for e in found] == [
        ("email", "Bob.Smith@Example.COM", "Bob.Smith@example.com")
    ]
    assert values("我的邮箱是li@example.cn谢谢", "email", "zh") == ["li@example.cn"]


def test_phone_numbers_with_default_region() -> None:
    assert values("call me at (415) 555-0100 tomorrow", "phone") == ["+14155550100"]
    assert values("or +44 20 7946 0958", "phone") == ["+442079460958"]
    assert values("我的手机是138-1234-5678", "phone", "zh") == ["+8613812345678"]
    assert values("order 12 units", "phone") == []


def test_urls() -> None:
    assert values("see https://auralis.example.com/docs?x=1.", "url") == [
        "https://auralis.example.com/docs?x=1"
    ]
    assert values("go to www.auralis.com", "url") == ["https://www.auralis.com"]
    # The domain of an email is not a separate URL.
    assert [e.label for e in entities("mail a@auralis.com")] == ["email"]


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("my budget is $1,200", "1200", "USD"),
        ("about 1200 dollars", "1200", "USD"),
        ("around 5k", "5000", None),
        ("$2.5k max", "2500", "USD"),
        ("预算500元", "500", "CNY"),
        ("¥300以内", "300", "CNY"),
        ("3万块左右", "30000", "CNY"),
        ("三千元", "3000", "CNY"),
        ("€20", "20", "EUR"),
    ],
)
def test_money(text: str, amount: str, currency: str | None) -> None:
    lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"
    assert values(text, "money", lang) == [Money(Decimal(amount), currency)]


def test_no_money_in_plain_numbers() -> None:
    assert values("I have 2 kids and 1,200 problems", "money") == []
    assert values("十分好", "money", "zh") == []


def test_english_dates_against_injected_now_and_timezone() -> None:
    assert values("can we talk tomorrow at 3pm?", "datetime") == [
        datetime(2024, 5, 11, 15, 0, tzinfo=SHANGHAI)
    ]
    assert values("call me next Monday", "date") == [date(2024, 5, 13)]
    assert values("on June 3rd at 10:30", "datetime") == [
        datetime(2024, 6, 3, 10, 30, tzinfo=SHANGHAI)
    ]
    # 9am has passed today (09:30), so it means tomorrow.
    assert values("9am works", "datetime") == [datetime(2024, 5, 11, 9, 0, tzinfo=SHANGHAI)]
    # "may" and "we" are words, not dates.
    assert entities("may we ask about pricing?") == []


def test_timezone_of_now_is_used() -> None:
    now = datetime(2024, 5, 10, 23, 30, tzinfo=NEW_YORK)
    found = find_dates("tomorrow at 10am", now)
    assert [m.value for m in found] == [datetime(2024, 5, 11, 10, 0, tzinfo=NEW_YORK)]
    # The same instant seen from Shanghai is already Saturday.
    found = find_dates("tomorrow", now.astimezone(SHANGHAI))
    assert [m.value for m in found] == [date(2024, 5, 12)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天下午3点可以吗", datetime(2024, 5, 11, 15, 0, tzinfo=SHANGHAI)),
        ("下周一给我打电话", date(2024, 5, 13)),
        ("6月3日上午10点半", datetime(2024, 6, 3, 10, 30, tzinfo=SHANGHAI)),
        ("后天", date(2024, 5, 12)),
        ("两天后", date(2024, 5, 12)),
        ("今晚8点", datetime(2024, 5, 10, 20, 0, tzinfo=SHANGHAI)),
        ("下周五", date(2024, 5, 17)),
        ("2024年6月1日", date(2024, 6, 1)),
    ],
)
def test_chinese_dates(text: str, expected: date | datetime) -> None:
    label = "datetime" if isinstance(expected, datetime) else "date"
    assert values(text, label, "zh") == [expected]


def test_no_dates_without_now() -> None:
    assert entities("tomorrow at 3pm", now=None) == []
    with pytest.raises(ValueError, match="aware"):
        find_dates("tomorrow", datetime(2024, 5, 10, 9, 30))


def test_products_case_insensitive_with_offsets() -> None:
    text = "Is the AURALIS CAM 4K cheaper than the hub?"
    found = [e for e in entities(text) if e.label == "product"]
    assert [(e.value, text[e.start : e.end]) for e in found] == [
        ("cam4k", "AURALIS CAM 4K"),
        ("hub", "hub"),
    ]
    # A product name wins over the "4K" it contains (not 4000 of money).
    assert [e.label for e in entities("the 4K camera")] == ["product"]
    assert values("会议摄像头多少钱", "product", "zh") == ["cam4k"]
    assert values("4k摄像头有货吗", "product", "zh") == ["cam4k"]
    # Chinese docs are split per character: "hub" inside "github" is not the product.
    assert values("我在github上看到的", "product", "zh") == []


def test_products_configured_at_build_time() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("salesbot_entities", config={"products": [["bar", "Soundbar X", "the bar"]]})
    doc = nlp("how loud is soundbar x?")
    assert [(e.label, e.value) for e in doc._.salesbot_entities] == [("product", "bar")]


def test_extract_entities_orders_by_position() -> None:
    doc = spacy.blank("en")("email me at a@b.co about $500 by friday, or call +1 415 555 0100")
    labels = [e.label for e in extract_entities(doc, now=NOW)]
    assert labels == ["email", "money", "date", "phone"]
