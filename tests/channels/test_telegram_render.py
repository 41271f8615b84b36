"""Reply -> sendMessage (#5): escaping, 64-byte callback data, keyboards, 4096-char splits."""

from __future__ import annotations

import re

import pytest
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from channels.telegram.render import AGENT_PREFIX, callback_data, render, rows
from channels.telegram.textsplit import split_text, utf16_len
from dialogs.core import payloads
from dialogs.core.types import Button, ChannelAddress, Reply

PRIVATE = ChannelAddress("telegram", "111111111")
GROUP = ChannelAddress("telegram", "-1001234567890")
TOPIC = ChannelAddress("telegram", "-1009876543210", "77")


def markup_data(message: dict) -> list[str]:
    markup = message["reply_markup"]
    assert isinstance(markup, InlineKeyboardMarkup)
    return [b.callback_data for row in markup.inline_keyboard for b in row]


def test_everything_is_html_escaped() -> None:
    reply = Reply('Cam <4K> & "Bar" <b>not bold</b>')
    (message,) = render(reply, PRIVATE).messages
    assert message["parse_mode"] == "HTML"
    assert message["text"] == 'Cam &lt;4K&gt; &amp; "Bar" &lt;b&gt;not bold&lt;/b&gt;'
    assert message["chat_id"] == 111111111 and "message_thread_id" not in message


def test_forum_topic_replies_go_to_the_topic() -> None:
    (message,) = render(Reply("hi"), TOPIC).messages
    assert message["chat_id"] == -1009876543210 and message["message_thread_id"] == 77


CHINESE_PAYLOADS = [
    "survey:comment:价格太贵了，但是服务很好",
    "product:Auralis Cam 4K 会议摄像头",
    "lead:budget:" + "预算" * 30,
    "x" * 65,
    "h:looks-like-a-digest",
]


@pytest.mark.parametrize("payload", CHINESE_PAYLOADS)
def test_callback_data_stays_within_64_bytes_and_resolves_back(payload: str) -> None:
    data = callback_data(payload)
    assert len(data.encode("utf-8")) <= 64 and data.isascii()
    assert data != payload
    assert re.fullmatch(r"h:[0-9a-f]{16}", data)
    others = [p for p in CHINESE_PAYLOADS if p != payload]
    assert payloads.resolve(data, [*others, payload]) == payload
    assert payloads.resolve(data, others) is None


def test_short_ascii_payloads_are_kept_as_they_are() -> None:
    assert callback_data("lead:start") == "lead:start"
    assert callback_data("x" * 64) == "x" * 64


def test_buttons_become_an_inline_keyboard() -> None:
    reply = Reply(
        "Pick one",
        buttons=(
            Button("Get a quote", "lead:start"),
            Button("评论：太贵了", "survey:comment:太贵了"),
            Button("Docs", "https://auralis.example/docs"),
        ),
    )
    (message,) = render(reply, PRIVATE).messages
    keyboard = message["reply_markup"]
    flat = [b for row in keyboard.inline_keyboard for b in row]
    assert [b.text for b in flat] == ["Get a quote", "评论：太贵了", "Docs"]
    assert flat[0].callback_data == "lead:start"
    assert flat[1].callback_data == payloads.digest("survey:comment:太贵了")
    assert flat[2].url == "https://auralis.example/docs" and flat[2].callback_data is None


def test_score_buttons_share_rows() -> None:
    scores = [Button(str(n), f"survey:nps:{n}") for n in range(11)]
    assert [len(r) for r in rows(scores)] == [6, 5]
    long = [Button("Tell me more about the Auralis Bar", "p:1")] * 2
    assert [len(r) for r in rows(long)] == [1, 1]


def test_quick_replies_are_a_reply_keyboard_removed_by_the_next_plain_message() -> None:
    quick = Reply("Shall I book it?", quick_replies=(Button("Yes", "y"), Button("No", "n")))
    first = render(quick, PRIVATE)
    assert isinstance(first.messages[0]["reply_markup"], ReplyKeyboardMarkup)
    assert first.reply_keyboard
    plain = render(Reply("Booked."), PRIVATE, reply_keyboard_shown=True)
    assert isinstance(plain.messages[0]["reply_markup"], ReplyKeyboardRemove)
    assert not plain.reply_keyboard
    # With nothing shown there is nothing to remove.
    assert "reply_markup" not in render(Reply("Booked."), PRIVATE).messages[0]


def test_removal_waits_when_the_only_part_has_inline_buttons() -> None:
    reply = Reply("Next?", buttons=(Button("Get a quote", "lead:start"),))
    rendered = render(reply, PRIVATE, reply_keyboard_shown=True)
    assert isinstance(rendered.messages[0]["reply_markup"], InlineKeyboardMarkup)
    assert rendered.reply_keyboard  # still open: the next plain message removes it


def test_quick_replies_in_groups_are_inline_buttons() -> None:
    reply = Reply("Shall I book it?", quick_replies=(Button("Yes", "y"), Button("No", "n")))
    rendered = render(reply, GROUP)
    assert markup_data(rendered.messages[0]) == ["y", "n"]
    assert not rendered.reply_keyboard


def test_agent_messages_are_marked_and_empty_ones_skipped() -> None:
    (message,) = render(Reply("Hi, I'm Mia from sales <3"), PRIVATE, role="agent").messages
    assert message["text"] == AGENT_PREFIX + "Hi, I'm Mia from sales &lt;3"
    assert render(Reply("   "), PRIVATE).messages == ()
    (only_buttons,) = render(Reply("", buttons=(Button("Go", "go"),)), PRIVATE).messages
    assert only_buttons["text"].strip()


def long_text() -> str:
    english = (
        "The Auralis Bar is an all-in-one video bar for small and medium rooms. "
        "It frames every speaker automatically! Does it work with Zoom? Yes, and with Teams. "
    )
    chinese = (
        "Auralis Bar 是一款适合中小型会议室的视频会议一体机。"
        "它可以自动识别发言人！支持 Zoom 吗？支持。"
    )
    paragraphs = []
    for i in range(16):
        body = (english * 2 if i % 2 else chinese * 3).strip()
        paragraphs.append(f"{i}. {body}")
    text = "\n\n".join(paragraphs)
    # One paragraph without line breaks longer than the limit forces sentence cuts.
    text += "\n\n" + (chinese * 200)
    assert text.index(chinese * 100) < 5000  # so >4096 characters without a line break
    return text[:10_000]


def test_a_10000_character_answer_is_split_on_boundaries() -> None:
    text = long_text()
    assert len(text) == 10_000
    parts = split_text(text)
    assert len(parts) >= 3
    assert all(0 < utf16_len(p) <= 4096 for p in parts)
    # Nothing lost or reordered: only whitespace at the cuts is dropped.
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", text)
    cursor = 0
    for part in parts[:-1]:
        cursor = text.index(part, cursor) + len(part)
        # Each cut is after a sentence end or at whitespace (a paragraph or line break).
        assert part.endswith(("。", "！", "？", ".", "!", "?")) or text[cursor].isspace()
    assert text.index(parts[-1], cursor) + len(parts[-1]) == len(text.rstrip())


def test_sentence_boundaries_are_preferred_over_words_in_one_long_paragraph() -> None:
    sentence = "这是一个很长的句子，用来测试拆分。"  # 17 characters
    text = sentence * 600  # 10,200 characters, no spaces or newlines at all
    parts = split_text(text)
    assert all(p.endswith("。") for p in parts)
    assert "".join(parts) == text


def test_hard_cut_only_without_any_boundary_and_emoji_count_twice() -> None:
    assert split_text("a" * 10) == ["a" * 10]
    assert split_text("a" * 10, limit=4) == ["aaaa", "aaaa", "aa"]
    emoji = "😀" * 3000  # 6000 UTF-16 units
    parts = split_text(emoji)
    assert [utf16_len(p) for p in parts] == [4096, 1904]


def test_render_splits_long_replies_and_puts_buttons_on_the_last_part() -> None:
    reply = Reply(long_text(), buttons=(Button("Get a quote", "lead:start"),))
    messages = render(reply, PRIVATE, role="agent").messages
    assert len(messages) >= 3
    assert all("reply_markup" not in m for m in messages[:-1])
    assert markup_data(messages[-1]) == ["lead:start"]
    assert messages[0]["text"].startswith(AGENT_PREFIX)
