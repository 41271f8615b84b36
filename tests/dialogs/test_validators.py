"""Lead form validators: e-mail, phone, choice, number, free text."""

from __future__ import annotations

import pytest

from dialogs.core.content import Choice, FormField, Localized
from dialogs.validators import (
    MAX_TEXT,
    check,
    check_choice,
    check_email,
    check_number,
    check_phone,
    check_text,
    parse_number,
)

TIMELINE = (
    Choice(value="lt1m", label=Localized(en="Within a month", zh="一个月内")),
    Choice(value="1to3m", label=Localized(en="In 1–3 months", zh="1–3 个月内")),
    Choice(value="3to6m", label=Localized(en="In 3–6 months", zh="3–6 个月内")),
    Choice(value="exploring", label=Localized(en="Just exploring", zh="先了解一下")),
)
PRODUCTS = (
    Choice(value="cam4k", label=Localized(en="Cam 4K camera", zh="Cam 4K 会议摄像头")),
    Choice(value="bar", label=Localized(en="Bar video bar", zh="Bar 视频会议一体机")),
    Choice(value="board", label=Localized(en="Board whiteboard", zh="Board 智能白板")),
    Choice(value="micpod", label=Localized(en="Mic Pod", zh="Mic Pod 扩展麦克风")),
)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("jo@acme.com", "jo@acme.com"),
        ("  Jo.Doe@Example.COM ", "jo.doe@example.com"),
        ("it's jo+quotes@acme.co.uk.", "jo+quotes@acme.co.uk"),
        ("我的邮箱是wang@example.cn", "wang@example.cn"),
        ("邮箱：li.na@163.com。", "li.na@163.com"),
    ],
)
def test_valid_emails_are_normalised(text: str, stored: str) -> None:
    result = check_email(text)
    assert result.ok and result.value == stored


@pytest.mark.parametrize(
    "text", ["jo@", "jo at acme dot com", "jo@acme", "jo@@acme.com", "foo@bar..com", "", "我没有"]
)
def test_invalid_emails_give_the_reason(text: str) -> None:
    result = check_email(text)
    assert not result.ok and result.value is None and result.reason == "lead_invalid_email"


@pytest.mark.parametrize(
    ("text", "regions", "stored"),
    [
        ("+1 617 555 0100", ("US",), "+16175550100"),
        ("(617) 555-0100", ("US",), "+16175550100"),
        ("617.555.0100", ("US",), "+16175550100"),
        ("my phone is +44 20 7946 0958, thanks", ("US",), "+442079460958"),
        ("020 7946 0958", ("GB",), "+442079460958"),
        ("030 901820", ("DE",), "+4930901820"),
        ("+86 138 0013 8000", ("US",), "+8613800138000"),
        ("13800138000", ("US", "CN"), "+8613800138000"),
        ("１３８００１３８０００", ("CN",), "+8613800138000"),
        ("我的电话是13800138000", ("US", "CN"), "+8613800138000"),
    ],
)
def test_valid_phones_are_stored_as_e164(text: str, regions: tuple[str, ...], stored: str) -> None:
    result = check_phone(text, regions)
    assert result.ok and result.value == stored


@pytest.mark.parametrize(
    ("text", "regions"),
    [("12345", ("US",)), ("555-0100", ("US",)), ("13800138000", ("US",)), ("call me", ("US",))],
)
def test_invalid_phones_give_the_reason(text: str, regions: tuple[str, ...]) -> None:
    result = check_phone(text, regions)
    assert not result.ok and result.reason == "lead_invalid_phone"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Within a month", "lt1m"),
        ("within a month!", "lt1m"),
        ("lt1m", "lt1m"),
        ("2", "1to3m"),
        ("#3", "3to6m"),
        ("option 4", "exploring"),
        ("1-3 months", "1to3m"),
        ("just exploring for now", "exploring"),
        ("一个月内", "lt1m"),
        ("一个月", "lt1m"),
        ("第二个", "1to3m"),
        ("选3", "3to6m"),
        ("先了解一下", "exploring"),
        ("3-6个月", "3to6m"),
    ],
)
def test_choices_by_label_number_or_value_in_both_languages(text: str, value: str) -> None:
    result = check_choice(TIMELINE, text)
    assert result.ok and result.value == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Cam 4K", "cam4k"),
        ("the bar please", "bar"),
        ("whiteboard", "board"),
        ("mic pod", "micpod"),
        ("我想要Bar", "bar"),
        ("智能白板", "board"),
    ],
)
def test_choices_inside_a_sentence_or_by_part_of_the_label(text: str, value: str) -> None:
    result = check_choice(PRODUCTS, text)
    assert result.ok and result.value == value


@pytest.mark.parametrize(
    "text", ["month", "5", "0", "第九个", "maybe next year", "", "cam and bar"]
)
def test_unclear_or_unknown_choices_are_invalid(text: str) -> None:
    choices = PRODUCTS if "cam" in text else TIMELINE
    result = check_choice(choices, text)
    assert not result.ok and result.reason == "lead_invalid_choice"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5", 5),
        ("5 rooms", 5),
        ("about 20 meeting rooms", 20),
        ("1,200", 1200),
        ("$25k", 25000),
        ("25 thousand dollars", 25000),
        ("twelve", 12),
        ("a dozen rooms", 12),
        ("五间", 5),
        ("二十个会议室", 20),
        ("3万美元", 30000),
        ("1.5万", 15000),
    ],
)
def test_numbers_in_words_units_and_chinese(text: str, value: int) -> None:
    assert parse_number(text) == value
    assert check_number(text, 0, 10_000_000).value == value


@pytest.mark.parametrize("text", ["", "a few", "5 or 6 rooms", "10-20", "不知道"])
def test_no_single_number_is_no_answer(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize("text", ["0", "10001", "2.5", "-3", "lots"])
def test_numbers_outside_the_range_or_not_whole_are_invalid(text: str) -> None:
    result = check_number(text, 1, 10000)
    assert not result.ok
    assert result.reason == "lead_invalid_number"
    assert result.reason_values == {"min": "1", "max": "10,000"}


def test_free_text_is_trimmed_and_bounded() -> None:
    assert check_text("  Acme   Rooms Ltd ").value == "Acme Rooms Ltd"
    assert check_text("深圳市顺丰速运有限公司").value == "深圳市顺丰速运有限公司"
    assert not check_text("   ").ok
    too_long = check_text("x" * (MAX_TEXT + 1))
    assert not too_long.ok and too_long.reason == "lead_invalid_text"


def test_check_dispatches_on_the_fields_validator() -> None:
    prompt = Localized(en="?", zh="？")
    rooms = FormField(name="rooms", validator="number", prompt=prompt, min=1, max=100)
    phone = FormField(name="phone", validator="phone", prompt=prompt)
    timeline = FormField(name="timeline", validator="choice", prompt=prompt, choices=TIMELINE)
    assert check(rooms, "7 rooms").value == 7
    assert check(rooms, "700").reason == "lead_invalid_number"
    assert check(phone, "13800138000", regions=("US", "CN")).value == "+8613800138000"
    assert check(timeline, "先了解一下").value == "exploring"
