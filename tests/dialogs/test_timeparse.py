"""Free-text times (English and Chinese) in the customer's zone, and time zone answers."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from dialogs.timing.chinese import chinese_parts, cn_number
from dialogs.timing.parse import parse_time
from dialogs.timing.zones import resolve_timezone, zone_label

# Monday 2 March 2026, 15:00 UTC: 10:00 in New York, 15:00 in London, 23:00 in Shanghai.
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def local(text: str, zone: str, now: datetime = NOW) -> str | None:
    """The parsed moment as "YYYY-MM-DD HH:MM" in ``zone``, or a window "start/end"."""
    found = parse_time(text, zone, now)
    if found is None:
        return None
    start = found.start.astimezone(ZoneInfo(zone))
    if found.exact:
        return f"{start:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M}/{found.end.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow at 3pm", "2026-03-03 15:00"),
        ("Tomorrow at 3 PM", "2026-03-03 15:00"),
        ("how about thursday at 2pm?", "2026-03-05 14:00"),
        ("Tuesday 10:30", "2026-03-03 10:30"),
        ("next monday at 10", "2026-03-09 10:00"),
        ("at 3", "2026-03-02 15:00"),  # a bare "3" in business talk is the afternoon
        ("11am", "2026-03-02 11:00"),
        ("9am", "2026-03-03 09:00"),  # already past today: tomorrow
        ("tmrw 4pm", "2026-03-03 16:00"),
        ("friday noon", "2026-03-06 12:00"),
        ("march 5th at 2", "2026-03-05 14:00"),
        ("5 march 14:00", "2026-03-05 14:00"),
        ("10.30 tomorrow", "2026-03-03 10:30"),
        ("2026-03-05 15:00", "2026-03-05 15:00"),
        ("day after tomorrow at 9", "2026-03-04 09:00"),
        ("in 2 hours", "2026-03-02 12:00"),
        ("next Monday morning", "2026-03-09 08:00/2026-03-09 12:00"),
        ("this afternoon", "2026-03-02 12:00/2026-03-02 18:00"),
        ("tomorrow", "2026-03-03 00:00/2026-03-04 00:00"),
        ("Can we do Wednesday?", "2026-03-04 00:00/2026-03-05 00:00"),
        ("next week", "2026-03-09 00:00/2026-03-16 00:00"),
        ("wed 9am", "2026-03-04 09:00"),
        ("on fri", "2026-03-06 00:00/2026-03-07 00:00"),
    ],
)
def test_english_times_in_new_york(text: str, expected: str) -> None:
    assert local(text, "America/New_York") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天下午三点", "2026-03-03 15:00"),
        ("明天下午三点可以吗", "2026-03-03 15:00"),
        ("下周一上午十点", "2026-03-09 10:00"),
        ("周二 10:30", "2026-03-03 10:30"),
        ("星期三下午两点半", "2026-03-04 14:30"),
        ("3月5日下午2点半", "2026-03-05 14:30"),
        ("后天上午9点半", "2026-03-04 09:30"),
        ("明天十点一刻", "2026-03-03 10:15"),
        ("明天十点十五分", "2026-03-03 10:15"),
        ("晚上八点", "2026-03-03 20:00"),  # 23:00 now: tomorrow evening
        ("中午一点", "2026-03-03 13:00"),
        ("明晚7点", "2026-03-03 19:00"),
        ("两点", "2026-03-03 14:00"),
        ("三点可以吗", "2026-03-03 15:00"),
        ("明天15:00", "2026-03-03 15:00"),
        ("周3下午4点", "2026-03-04 16:00"),
        ("15号下午三点", "2026-03-15 15:00"),
        ("十二月三十一号上午十点", "2026-12-31 10:00"),
        ("明天下午", "2026-03-03 12:00/2026-03-03 18:00"),
        ("下周一", "2026-03-09 00:00/2026-03-10 00:00"),
        ("这周五下午", "2026-03-06 12:00/2026-03-06 18:00"),
        ("下下周二", "2026-03-17 00:00/2026-03-18 00:00"),
        ("下周", "2026-03-09 00:00/2026-03-16 00:00"),
    ],
)
def test_chinese_times_in_shanghai(text: str, expected: str) -> None:
    assert local(text, "Asia/Shanghai") == expected


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("hello", "Europe/London"),
        ("how much is the Cam 4K?", "Europe/London"),
        ("2", "Europe/London"),
        ("yes", "Europe/London"),
        ("sometime next month maybe", "Europe/London"),
        ("13pm", "Europe/London"),
        ("the sun is shining", "Europe/London"),  # "sun" is not Sunday here
        ("I sat down with my team", "Europe/London"),
        ("你好", "Asia/Shanghai"),
        ("多少钱", "Asia/Shanghai"),
        ("能便宜一点吗", "Asia/Shanghai"),  # "a bit cheaper", not one o'clock
        ("有两点问题", "Asia/Shanghai"),  # "two questions"
    ],
)
def test_non_times_are_not_read_as_times(text: str, zone: str) -> None:
    assert parse_time(text, zone, NOW) is None


def test_the_same_words_mean_the_customers_own_local_time() -> None:
    london = parse_time("tomorrow at 3pm", "Europe/London", NOW)
    shanghai = parse_time("tomorrow at 3pm", "Asia/Shanghai", NOW)
    assert london is not None and shanghai is not None
    assert london.start.astimezone(UTC) == datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    # 15:00 on Tuesday in Shanghai is eight hours earlier in UTC.
    assert shanghai.start.astimezone(UTC) == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
    late = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)  # 00:30 on Tuesday in Shanghai
    after_midnight = parse_time("明天下午三点", "Asia/Shanghai", late)
    assert after_midnight is not None
    assert after_midnight.start.astimezone(UTC) == datetime(2026, 3, 4, 7, 0, tzinfo=UTC)


def test_times_across_a_daylight_saving_change() -> None:
    saturday = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)  # clocks go forward on Sunday 8 March
    found = parse_time("tomorrow at 3pm", "America/New_York", saturday)
    assert found is not None
    assert found.start.astimezone(UTC) == datetime(2026, 3, 8, 19, 0, tzinfo=UTC)  # EDT
    gap = parse_time("tomorrow at 2:30", "America/New_York", saturday)  # does not exist
    assert gap is not None and gap.start.astimezone(UTC) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_chinese_numbers_and_parts() -> None:
    assert [cn_number(t) for t in ("三", "十", "十五", "二十三", "两", "零五", "12")] == [
        3,
        10,
        15,
        23,
        2,
        5,
        12,
    ]
    parts = chinese_parts("下周一上午十点")
    assert parts is not None
    assert (parts.day, parts.hour, parts.minute, parts.part) == ("下周一", 10, 0, "morning")
    assert chinese_parts("你好") is None


@pytest.mark.parametrize(
    ("answer", "zone"),
    [
        ("London", "Europe/London"),
        ("new york", "America/New_York"),
        ("NYC", "America/New_York"),
        ("Berlin, Germany", "Europe/Berlin"),
        ("I'm in Shanghai", "Asia/Shanghai"),
        ("Los Angeles", "America/Los_Angeles"),
        ("Kuala Lumpur", "Asia/Kuala_Lumpur"),
        ("Singapore", "Asia/Singapore"),
        ("europe/berlin", "Europe/Berlin"),
        ("America/Chicago", "America/Chicago"),
        ("上海", "Asia/Shanghai"),
        ("北京", "Asia/Shanghai"),
        ("深圳", "Asia/Shanghai"),
        ("香港", "Asia/Hong_Kong"),
        ("东京", "Asia/Tokyo"),
        ("纽约", "America/New_York"),
        ("伦敦", "Europe/London"),
        ("我在上海", "Asia/Shanghai"),
        ("北京时间", "Asia/Shanghai"),
        ("UTC+8", "Etc/GMT-8"),
        ("GMT-5", "Etc/GMT+5"),
        ("+05:30", "Asia/Kolkata"),
        ("UTC", "Etc/UTC"),
    ],
)
def test_time_zone_answers(answer: str, zone: str) -> None:
    assert resolve_timezone(answer) == zone


@pytest.mark.parametrize("answer", ["blah", "tomorrow at 3pm", "8", "UTC+15", "明天下午三点", ""])
def test_answers_that_name_no_zone(answer: str) -> None:
    assert resolve_timezone(answer) is None


def test_zone_labels_show_offsets_the_usual_way() -> None:
    assert zone_label("Etc/GMT-8") == "UTC+8"
    assert zone_label("Etc/GMT+5") == "UTC-5"
    assert zone_label("Etc/UTC") == "UTC"
    assert zone_label("Europe/Berlin") == "Europe/Berlin"
