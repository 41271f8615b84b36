"""#16: a time zone the customer names in the booking request is used, not asked for.

Unit tests of ``find_timezone`` (a place inside a sentence, with a cue) and the flow: the
request "tomorrow at 3pm New York time" books 15:00 in New York without a zone question.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from crm_store.clock import FakeClock
from crm_store.database import Database
from dialogs.core.content import Content
from dialogs.timing.zones import find_timezone
from tests.dialogs.test_flow_booking import DANIEL, MAYA, crm, details_known
from tests.driver import Chat

__all__ = ["details_known"]  # contact details count as known here, as in test_flow_booking


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("book a call tomorrow at 3pm London time", "Europe/London"),
        ("at 3pm new york time please", "America/New_York"),
        ("I'm in Berlin, can we talk Friday?", "Europe/Berlin"),
        ("we are based in San Francisco", "America/Los_Angeles"),
        ("call me at 10am Europe/Paris", "Europe/Paris"),
        ("central time tomorrow 2pm", "America/Chicago"),
        ("Singapore", "Asia/Singapore"),
        ("北京时间明天下午三点", "Asia/Shanghai"),
        ("伦敦时间周五上午10点", "Europe/London"),
        ("我在上海，想预约明天下午3点的通话", "Asia/Shanghai"),
    ],
)
def test_a_place_named_in_a_sentence_is_found(text: str, zone: str) -> None:
    assert find_timezone(text) == zone


@pytest.mark.parametrize(
    "text",
    [
        "I'd like to book a call",
        "book a call tomorrow",
        "any time tomorrow",
        "what time works for you?",
        "a call at Christmas time",  # Indian/Christmas exists, but not in a sentence
        "我想预约明天下午3点的通话",
        "我想预约通话",
    ],
)
def test_no_place_no_zone(text: str) -> None:
    assert find_timezone(text) is None


REQUEST = {
    # 15:00 in New York is 20:00 UTC (Daniel); 15:00 in Shanghai is 07:00 UTC (Maya).
    "en": (
        "book a call tomorrow at 3pm New York time",
        DANIEL,
        datetime(2026, 3, 3, 20, 0, tzinfo=UTC),
        "America/New_York",
    ),
    "zh": (
        "预约北京时间明天下午三点的通话",
        MAYA,
        datetime(2026, 3, 3, 7, 0, tzinfo=UTC),
        "Asia/Shanghai",
    ),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_zone_in_the_request_is_not_asked_for(
    chat: Chat, db: Database, clock: FakeClock, content: Content, lang: str
) -> None:
    text, rep, start, zone = REQUEST[lang]
    replies = await chat.say(text)

    said = "\n".join(r.text for r in replies)
    assert content.text("booking_ask_timezone", lang) not in said
    rows = await crm(db, clock)
    [call] = rows.follow_ups
    assert (call.rep_id, call.starts_at, call.customer_timezone) == (rep, start, zone)
    assert rows.contacts[0].timezone == zone


async def test_a_zone_and_time_in_one_answer_to_the_zone_question(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    await chat.say("I'd like to book a call")
    await chat.say("tomorrow 3pm New York time")

    [call] = (await crm(db, clock)).follow_ups
    assert (call.rep_id, call.starts_at) == (DANIEL, datetime(2026, 3, 3, 20, 0, tzinfo=UTC))


async def test_the_browsers_zone_is_used_and_a_named_one_wins(
    chat: Chat, db: Database, clock: FakeClock, content: Content
) -> None:
    hinted = replace(chat.message("I'd like to book a call"), timezone_hint="America/New_York")
    said = "\n".join(r.text for r in await chat.send(hinted))
    assert content.text("booking_ask_timezone", "en") not in said
    assert (await crm(db, clock)).contacts[0].timezone == "America/New_York"

    await chat.say("stop")
    await chat.say("book a call tomorrow at 3pm London time")  # said beats the browser
    rows = await crm(db, clock)
    assert rows.contacts[0].timezone == "Europe/London"
    assert rows.follow_ups[0].customer_timezone == "Europe/London"
