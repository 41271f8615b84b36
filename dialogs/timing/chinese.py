"""Chinese time phrases taken apart before dateparser sees them.

dateparser reads "明天", "周二", "2026年3月5日" and "15:00", but not "三点", "下午三点半",
"下周一" or "5号"; those are normalised here. "一点"/"两点" also mean "a bit"/"two points", so
a clock time with nothing else around it is only accepted when the message is just the time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

ZH_NUM = "零〇一二两三四五六七八九十"
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_NUM = rf"(?:\d{{1,2}}|[{ZH_NUM}]{{1,3}})"
_WEEKDAY_CHARS = "一二三四五六日"

# Longest first: "早上" before "早", "下下周" before "下周".
_PART_WORDS = {
    "上午": "morning",
    "早上": "morning",
    "早晨": "morning",
    "清早": "morning",
    "早": "morning",
    "中午": "noon",
    "下午": "afternoon",
    "傍晚": "evening",
    "晚上": "evening",
    "晚": "evening",
}
_PART = "|".join(_PART_WORDS)
# Day words that carry a part of the day too.
_DAY_WITH_PART = {
    "今早": ("今天", "morning"),
    "明早": ("明天", "morning"),
    "今晚": ("今天", "evening"),
    "明晚": ("明天", "evening"),
}
_DAY = re.compile(
    rf"大后天|后天|明天|今天|今早|明早|今晚|明晚"
    rf"|(?:下下个?|下个?|这个?|本)?(?:周|星期|礼拜)[一二三四五六日天1-7]"
    rf"|(?:\d{{4}}年)?{_NUM}月{_NUM}[日号]|{_NUM}[日号]|下个?(?:周|星期|礼拜)"
    rf"|\d{{4}}-\d{{1,2}}-\d{{1,2}}"
)
_CLOCK = re.compile(
    rf"(?P<part>{_PART})?\s*(?:(?P<h>{_NUM})\s*[点點时時]\s*"
    rf"(?:(?P<half>半)|(?P<q1>一刻)|(?P<q3>三刻)|整|(?P<m>{_NUM})\s*分?)?"
    rf"|(?P<hh>\d{{1,2}}):(?P<mm>\d{{2}}))"
)
_PART_ALONE = re.compile(_PART)
# What may stand around a lone clock time: "三点可以吗", "那就两点吧".
_POLITE = re.compile(r"[可以行吗吧呢好的就那约定在么嘛啊呀,，.。!！?？\s]")


@dataclass(frozen=True, slots=True)
class ZhParts:
    day: str | None  # the day words, for chinese_day / dateparser
    hour: int | None
    minute: int
    part: str | None  # morning, noon, afternoon, evening
    bare_hour: bool  # an hour without a part of the day: "三点" in a sales chat is 15:00


def cn_number(text: str) -> int:
    """Small Chinese (or Arabic) numbers: 三 3, 十 10, 十五 15, 二十三 23, 零五 5."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0)
    value = 0
    for char in text:
        value = value * 10 + _DIGITS.get(char, 0)
    return value


def chinese_parts(text: str) -> ZhParts | None:
    text = unicodedata.normalize("NFKC", text)
    day_match = _DAY.search(text)
    day, part = (day_match.group(0), None) if day_match else (None, None)
    rest = text if day_match is None else text[: day_match.start()] + " " + text[day_match.end() :]
    if day in _DAY_WITH_PART:
        day, part = _DAY_WITH_PART[day]
    clock = _CLOCK.search(rest)
    hour, minute = None, 0
    if clock is not None:
        part = _PART_WORDS[clock.group("part")] if clock.group("part") else part
        hour, minute = _clock_value(clock)
        alone = day is None and part is None and not clock.group("m") and not clock.group("half")
        leftover = _POLITE.sub("", rest[: clock.start()] + rest[clock.end() :])
        if alone and leftover:
            return None  # "便宜一点", "有两点问题": not a time
    if part is None:
        found = _PART_ALONE.search(rest)
        part = _PART_WORDS[found.group(0)] if found else None
    if day is None and hour is None and part is None:
        return None
    if day is not None:
        day = re.sub(r"(周|星期|礼拜)天", r"\1日", day)
        day = re.sub(r"(周|星期|礼拜)([1-7])", lambda m: m[1] + _WEEKDAY_CHARS[int(m[2]) - 1], day)
    bare = hour is not None and part is None and clock is not None and clock.group("hh") is None
    return ZhParts(day, hour, minute, part, bare)


def _clock_value(clock: re.Match[str]) -> tuple[int, int]:
    if clock.group("hh") is not None:
        return int(clock.group("hh")), int(clock.group("mm"))
    hour = cn_number(clock.group("h"))
    if clock.group("half"):
        return hour, 30
    if clock.group("q1"):
        return hour, 15
    if clock.group("q3"):
        return hour, 45
    return hour, cn_number(clock.group("m")) if clock.group("m") else 0


def chinese_day(day: str, today: date) -> date | None:
    """Days dateparser does not read: 下周一, 这周五, 下下周二, 15号. None: ask dateparser."""
    week = re.fullmatch(r"(下下个?|下个?|这个?|本)(?:周|星期|礼拜)([一二三四五六日])", day)
    if week:
        monday = today - timedelta(days=today.weekday())
        weeks = 2 if week.group(1).startswith("下下") else 1 if week.group(1)[0] == "下" else 0
        return monday + timedelta(weeks=weeks, days=_WEEKDAY_CHARS.index(week.group(2)))
    dom = re.fullmatch(rf"({_NUM})[日号]", day)
    if dom:
        number = cn_number(dom.group(1))
        month = today if number >= today.day else (today.replace(day=1) + timedelta(days=32))
        try:
            return month.replace(day=number)
        except ValueError:
            return None
    return None
