"""Pure functions: escaping, Slack mrkdwn -> plain text, Block Kit limits, payload translation."""

from __future__ import annotations

import re

import pytest

from channels.slack import blocks as bk
from channels.slack.escape import escape_text, to_plain_text, unescape_text
from channels.slack.translate import (
    action_to_inbound,
    classify_message,
    event_to_inbound,
    event_to_thread_reply,
    reply_to_messages,
)
from dialogs.core.types import Button, ChannelAddress, Reply
from tests.fakes.slack_api import block_kit_problem, buttons_of


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel> hello", "&lt;!channel&gt; hello"),
        ("<!here|here> <!everyone>", "&lt;!here|here&gt; &lt;!everyone&gt;"),
        ("<https://evil.example|your bank>", "&lt;https://evil.example|your bank&gt;"),
        ("<@U123> & co", "&lt;@U123&gt; &amp; co"),
        ("already &amp; escaped", "already &amp;amp; escaped"),
        ("5 > 3 < 4", "5 &gt; 3 &lt; 4"),
        ("plain *text*", "plain *text*"),
    ],
)
def test_customer_text_is_escaped(raw: str, escaped: str) -> None:
    assert escape_text(raw) == escaped
    assert "<" not in escape_text(raw) and ">" not in escape_text(raw)
    assert unescape_text(escape_text(raw)) == raw


@pytest.mark.parametrize(
    ("mrkdwn", "plain"),
    [
        ("*Yes!* _really_ ~no~", "Yes! really no"),
        (
            "See <https://auralis.example/ship|shipping>",
            "See shipping (https://auralis.example/ship)",
        ),
        ("<https://auralis.example>", "https://auralis.example"),
        ("mail <mailto:maya@auralis.example|maya@auralis.example>", "mail maya@auralis.example"),
        ("ask <@U0MAYA001>", "ask @Maya Chen"),
        ("ask <@U0NOBODY>", "ask @someone"),
        ("in <#C0SALES|sales>", "in #sales"),
        ("<!here> we go", "@here we go"),
        ("&lt;3 &amp; more", "<3 & more"),
        ("&gt; quoted line\nanswer", "quoted line\nanswer"),
        ("use `code` and ```block\nof code```", "use code and block\nof code"),
        ("2*3*4 and snake_case_name", "2*3*4 and snake_case_name"),
        ("  spaced  ", "spaced"),
    ],
)
def test_rep_mrkdwn_becomes_plain_text(mrkdwn: str, plain: str) -> None:
    assert to_plain_text(mrkdwn, {"U0MAYA001": "Maya Chen"}) == plain


def test_long_text_is_split_within_the_section_limit() -> None:
    text = escape_text("Tom & Jerry <3 " * 600)  # 9,000 raw characters, more escaped
    pieces = bk.split_text(text)
    assert len(pieces) > 1
    assert all(len(p) <= bk.MAX_SECTION for p in pieces)
    # No cut falls inside an entity: every piece is valid escaped text on its own.
    for piece in pieces:
        assert re.search(r"&(?!amp;|lt;|gt;)", piece) is None, piece[-10:]
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


def test_a_hard_cut_never_splits_an_entity() -> None:
    text = escape_text("ab&" * 2000)  # no spaces or lines: the cut falls where it must
    pieces = bk.split_text(text)
    assert all(len(p) <= bk.MAX_SECTION for p in pieces)
    assert "".join(pieces) == text
    for piece in pieces:
        assert re.search(r"&(?!amp;)", piece) is None, piece[-10:]


def test_a_cut_never_splits_a_link() -> None:
    text = "x" * 2990 + " <https://auralis.example/a-long-path|a link>"
    pieces = bk.split_text(text)
    assert pieces[1].startswith("<https://")


def test_too_many_blocks_are_paginated() -> None:
    blocks = [bk.context(str(i)) for i in range(120)]
    pages = bk.paginate(blocks)
    assert [len(p) for p in pages] == [50, 50, 20]


def test_reply_to_messages_respects_block_kit_limits() -> None:
    buttons = tuple(Button(f"Option {i} " + "x" * 90, f"lead:choice:{i}") for i in range(60))
    reply = Reply("Pick one <!channel> " + "y" * 7000, buttons=buttons)
    messages = reply_to_messages(reply)
    for message in messages:
        assert block_kit_problem(message["blocks"]) is None
        assert "<!channel>" not in message["text"]
    payloads = [p for m in messages for p in buttons_of(m["blocks"])]
    assert payloads == [f"lead:choice:{i}" for i in range(60)]


def test_quick_replies_become_buttons_and_agent_messages_are_marked() -> None:
    reply = Reply(
        "Rate us", quick_replies=(Button("5", "survey:csat:5"), Button("4", "survey:csat:4"))
    )
    (message,) = reply_to_messages(reply, role="agent")
    assert buttons_of(message["blocks"]) == ["survey:csat:5", "survey:csat:4"]
    assert message["blocks"][0]["type"] == "context"
    action_ids = [e["action_id"] for e in message["blocks"][-1]["elements"]]
    assert action_ids == ["reply:0:survey:csat:5", "reply:1:survey:csat:4"]


def dm(**extra: object) -> dict[str, object]:
    return {
        "type": "message",
        "channel": "D0CUST",
        "user": "U0CUST",
        "text": "*hi* &lt;3",
        "ts": "1772470000.000100",
        "channel_type": "im",
        **extra,
    }


def test_classify_messages() -> None:
    assert classify_message(dm()) == "customer"
    assert classify_message(dm(subtype="message_changed")) == "ignore"
    assert classify_message(dm(bot_id="B0BOT")) == "ignore"
    assert classify_message(dm(subtype="bot_message")) == "ignore"
    assert classify_message(dm(user="U0BOT"), bot_user_id="U0BOT") == "ignore"
    in_thread = dm(channel="C0SALES", channel_type="channel", thread_ts="1772460000.000001")
    assert classify_message(in_thread) == "thread"
    top_level = dm(channel="C0SALES", channel_type="channel")
    assert classify_message(top_level) == "ignore"
    parent = dm(channel="C0SALES", channel_type="channel", thread_ts="1772470000.000100")
    assert classify_message(parent) == "ignore"


def test_event_to_inbound_uses_a_retry_stable_id() -> None:
    inbound = event_to_inbound(dm())
    assert inbound.address == ChannelAddress("slack", "D0CUST")
    assert (inbound.user_id, inbound.text) == ("U0CUST", "hi <3")
    assert inbound.message_id == "D0CUST:1772470000.000100"
    assert event_to_inbound(dm(event_ts="other")).message_id == inbound.message_id


def test_action_to_inbound() -> None:
    body = {
        "user": {"id": "U0CUST"},
        "channel": {"id": "D0CUST"},
        "trigger_id": "t1",
    }
    action = {
        "action_id": "reply:0:lead:start",
        "value": "lead:start",
        "text": {"type": "plain_text", "text": "Get a quote"},
        "action_ts": "1772470001.1",
    }
    inbound = action_to_inbound(body, action)
    assert inbound is not None
    assert (inbound.payload, inbound.text) == ("lead:start", "Get a quote")
    assert inbound.message_id == "action:D0CUST:1772470001.1"
    assert action_to_inbound({"user": {"id": "U1"}}, action) is None


def test_thread_reply_notes() -> None:
    event = dm(channel="C0SALES", thread_ts="1.0", text="  NOTE: internal")
    reply = event_to_thread_reply(event)
    assert reply.is_note
    assert reply.dedupe_id == "slack-reply:C0SALES:1772470000.000100"
    assert not event_to_thread_reply(dm(thread_ts="1.0", text="a note: not one")).is_note
