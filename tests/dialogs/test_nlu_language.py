from __future__ import annotations

import pytest

from dialogs.nlu import detect_language, language_switch_request


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello, how much is it?", "en"),
        ("你好，多少钱？", "zh"),
        ("iPhone 15 Pro Max 多少钱", "zh"),  # a Chinese question about a Latin-named product
        ("please ship it to 北京", "en"),
        ("ok 好", "zh"),
        ("hi 😊", "en"),
        ("12345", None),
        ("👍🎉", None),
        ("", None),
        ("こんにちは", None),
        ("Привет", None),
    ],
)
def test_detect_language(text: str, expected: str | None) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "English please",
        "English, please!",
        "speak English",
        "in english",
        "Can you speak English?",
        "do you speak english",
        "switch to English",
        "let's talk in English",
        "用英文",
        "请说英语",
        "请用英文回复",
    ],
)
def test_switch_to_english(text: str) -> None:
    assert language_switch_request(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "说中文",
        "中文",
        "请用中文",
        "能用中文吗？",
        "换成中文吧",
        "讲普通话",
        "Chinese please",
        "reply in Chinese",
        "can you speak mandarin?",
    ],
)
def test_switch_to_chinese(text: str) -> None:
    assert language_switch_request(text) == "zh"


@pytest.mark.parametrize(
    "text",
    [
        "中文版的说明书有吗",
        "I like English tea",
        "is the manual available in English and Chinese?",
        "how much is it",
        "",
        "english " * 20,
    ],
)
def test_not_a_switch_request(text: str) -> None:
    assert language_switch_request(text) is None
