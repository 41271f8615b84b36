"""Free-text meeting times in English and Chinese, in the customer's own time zone.

"tomorrow at 3pm", "next Monday morning", "Tuesday 10:30", "明天下午三点", "下周一上午十点".

The clock time is read here (dateparser guesses badly at "at 3" or "三点", and reads
"下午三点" not at all); the day part is handed to ``dateparser`` after normalising: Chinese
numerals become digits, week-relative Chinese days (下周一, 这周五) are resolved, filler words
("how about", "可以约") are dropped. Without a clock time the result is a window — a whole
day or a part of it — from which the caller offers free slots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

from dialogs.timing.chinese import ZH_NUM, chinese_day, chinese_parts, cn_number


@dataclass(frozen=True, slots=True)
class TimeRequest:
    start: datetime  # aware, in the customer's zone
    end: datetime | None = None  # None: an exact time was said; else the end of the window

    @property
    def exact(self) -> bool:
        return self.end is None


# Part of the day -> local window (start hour, end hour).
PARTS: dict[str, tuple[int, int]] = {
    "morning": (8, 12),
    "noon": (11, 14),
    "afternoon": (12, 18),
    "evening": (17, 21),
}
_PM_PARTS = ("afternoon", "evening")

_WEEKDAYS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    "|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun"
)
# "sun", "sat" and "wed" are words too: alone they count only before a time ("sat 10am"),
# after next/this/on, or as the whole message.
_ABBREVIATED = r"(?:mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)\.?(?=\s*(?:\d|at\b|$))"
_FULL_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
_DAY_WORDS = re.compile(
    rf"\b(?:today|tomorrow|(?:the\s+)?day\s+after\s+tomorrow|(?:next|this|on)\s+(?:{_WEEKDAYS})"
    rf"|{_FULL_WEEKDAYS}|{_ABBREVIATED}|\d{{4}}-\d{{1,2}}-\d{{1,2}}|in\s+\d+\s+(?:days?|weeks?)"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s*\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})(?:,?\s*\d{{4}})?)\b"
)
_NEXT_WEEK = re.compile(r"\bnext\s+week\b")
_EN_CLOCK = re.compile(
    r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b|\b(\d{1,2}):(\d{2})\b|\b(noon|midday)\b"
    r"|\b(?:at|around|@)\s*(\d{1,2})\b(?![:.]\d)"
)
_EN_PARTS = {
    "morning": "morning",
    "afternoon": "afternoon",
    "evening": "evening",
    "tonight": "evening",
    "night": "evening",
    "lunchtime": "noon",
}
_EN_IN = re.compile(r"\bin\s+(\d+|an?|one|two|three)\s+(hours?|minutes?|mins?)\b")
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3}


def parse_time(text: str, timezone: str, now: datetime) -> TimeRequest | None:
    """What moment (or window) ``text`` names, seen from ``now`` in ``timezone``; or None."""
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    if re.search(r"[\u4e00-\u9fff]", text):
        return _chinese(text, local_now)
    return _english(text, local_now)


def _english(text: str, now: datetime) -> TimeRequest | None:
    phrase = _normalise_en(text)
    relative = _EN_IN.search(phrase)
    if relative:
        amount = _WORD_NUMBERS.get(relative.group(1)) or int(relative.group(1))
        unit = "hours" if relative.group(2).startswith("hour") else "minutes"
        return TimeRequest(_to_minute(now + timedelta(**{unit: amount})))
    part = next((p for word, p in _EN_PARTS.items() if re.search(rf"\b{word}\b", phrase)), None)
    clock = _english_clock(phrase, part)
    if _NEXT_WEEK.search(phrase) and not _DAY_WORDS.search(phrase):
        monday = now.date() + timedelta(days=7 - now.weekday())
        return _window(now, monday, monday + timedelta(days=7))
    day_words = [m.group(0) for m in _DAY_WORDS.finditer(phrase)]
    if "tonight" in phrase and not day_words:
        day_words = ["today"]
    day = _english_day(" ".join(day_words), now) if day_words else None
    if day_words and day is None:
        return None
    return _combine(now, day, clock, part)


def _normalise_en(text: str) -> str:
    phrase = text.lower().replace("a.m.", "am").replace("p.m.", "pm")
    phrase = re.sub(r"\b(?:tmrw|tmr|tomorow|tommorow|tmw)\b", "tomorrow", phrase)
    phrase = re.sub(r"\b(?:this\s+)?coming\s+", "", phrase)
    phrase = re.sub(r"\bo'?clock\b", "", phrase)
    return re.sub(r"(\d)\.(\d{2})\b", r"\1:\2", phrase)  # "10.30"


def _english_clock(phrase: str, part: str | None) -> time | None:
    found = _EN_CLOCK.search(phrase)
    if found is None:
        return None
    if found.group(6):
        return time(12)
    if found.group(3):
        hour, minute = int(found.group(1)), int(found.group(2) or 0)
        if hour > 12:
            return None
        hour = hour % 12 + (12 if found.group(3) == "pm" else 0)
    elif found.group(4):
        hour, minute = int(found.group(4)), int(found.group(5))
        hour = _afternoon(hour, part, bare=False)
    else:
        hour, minute = int(found.group(7)), 0
        hour = _afternoon(hour, part, bare=True)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _afternoon(hour: int, part: str | None, *, bare: bool) -> int:
    """12-hour readings: "afternoon at 3" is 15:00, and in a sales chat so is a bare "at 3"."""
    if hour >= 12:
        return hour
    if part in _PM_PARTS or (part is None and bare and 1 <= hour <= 6):
        return hour + 12
    return hour


def _english_day(words: str, now: datetime) -> date | None:
    words = re.sub(r"\bthurs?\b", "thu", words)
    words = re.sub(r"\bthe\s+(?=\d)", "", words)
    settings = {"RELATIVE_BASE": now.replace(tzinfo=None), "PREFER_DATES_FROM": "future"}
    parsed = dateparser.parse(words, languages=["en"], settings=settings)  # type: ignore[arg-type]
    return parsed.date() if parsed else None


def _chinese(text: str, now: datetime) -> TimeRequest | None:
    parts = chinese_parts(text)
    if parts is None:
        return None
    day: date | None = None
    if parts.day and re.fullmatch(r"下个?(?:周|星期|礼拜)", parts.day):
        monday = now.date() + timedelta(days=7 - now.weekday())
        return _window(now, monday, monday + timedelta(days=7))
    if parts.day:
        day = chinese_day(parts.day, now.date())
        if day is None:
            day = _dateparser_zh(parts.day, now)
        if day is None:
            return None
    clock: time | None = None
    if parts.hour is not None:
        hour = _afternoon(parts.hour, parts.part, bare=parts.bare_hour)
        if parts.part == "noon" and hour < 6:
            hour += 12
        if hour > 23 or parts.minute > 59:
            return None
        clock = time(hour, parts.minute)
    return _combine(now, day, clock, parts.part)


def _dateparser_zh(day_text: str, now: datetime) -> date | None:
    # Numerals before 年/月/日 only: "周二" must stay as it is.
    normalised = re.sub(
        rf"[{ZH_NUM}]+(?=[年月日号])", lambda m: str(cn_number(m.group(0))), day_text
    )
    if re.fullmatch(r"\d{1,2}月\d{1,2}[日号]", normalised):
        # dateparser needs the year; a date already past this year means next year.
        normalised = f"{now.year}年{normalised.replace('号', '日')}"
        candidate = dateparser.parse(normalised, languages=["zh"])
        if candidate and candidate.date() < now.date():
            normalised = f"{now.year + 1}{normalised[4:]}"
    settings = {"RELATIVE_BASE": now.replace(tzinfo=None), "PREFER_DATES_FROM": "future"}
    parsed = dateparser.parse(normalised, languages=["zh"], settings=settings)  # type: ignore[arg-type]
    return parsed.date() if parsed else None


def _combine(
    now: datetime, day: date | None, clock: time | None, part: str | None
) -> TimeRequest | None:
    zone = now.tzinfo
    if clock is not None:
        moment = _local(day or now.date(), clock, zone)
        if day is None and moment <= now:
            moment = _local(now.date() + timedelta(days=1), clock, zone)
        return TimeRequest(moment)
    if part is not None:
        first, last = PARTS[part]
        target = day or now.date()
        if day is None and _local(target, time(last), zone) <= now:
            target += timedelta(days=1)
        return TimeRequest(_local(target, time(first), zone), _local(target, time(last), zone))
    if day is not None:
        return _window(now, day, day + timedelta(days=1))
    return None


def _window(now: datetime, first: date, last: date) -> TimeRequest:
    return TimeRequest(_local(first, time(0), now.tzinfo), _local(last, time(0), now.tzinfo))


def _local(day: date, clock: time, zone: object) -> datetime:
    # Round-trip through UTC so a wall time inside a DST gap becomes a real instant.
    moment = datetime.combine(day, clock, tzinfo=zone)  # type: ignore[arg-type]
    return moment.astimezone(ZoneInfo("UTC")).astimezone(zone)  # type: ignore[arg-type]


def _to_minute(moment: datetime) -> datetime:
    rounded = moment.replace(second=0, microsecond=0)
    return rounded if rounded == moment else rounded + timedelta(minutes=1)
