"""Dates and times in English and Chinese, resolved against an injected "now".

dateparser's own search mode finds dates in words like "we" and "may", and misses most Chinese
times, so candidates are found here with narrow patterns and only the matched span is handed to
``dateparser.parse``. Chinese week arithmetic (下周五), month-day without a year (6月3日) and
clock times (下午3点半), which dateparser does not read, are resolved by small rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import dateparser

from dialogs.nlu.numbers import CN_DIGITS, cn_to_int


@dataclass(frozen=True, slots=True)
class DateMatch:
    start: int
    end: int
    text: str
    value: date | datetime  # a date alone, or an aware datetime when a time was said


_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_COUNT = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten)"
_EN_DATE = (
    rf"(?:(?:the\s+)?day\s+after\s+tomorrow|today|tomorrow|tonight|tmrw|tmr"
    rf"|(?:(?:next|this|coming|this\s+coming)\s+)?{_WEEKDAY}"
    rf"|next\s+(?:week|month)|in\s+{_COUNT}\s+(?:days?|weeks?)"
    rf"|{_MONTH}\s+{_DAY}(?:,?\s+\d{{4}})?|{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?"
    rf"|\d{{4}}-\d{{1,2}}-\d{{1,2}})"
    rf"(?:\s+(?:morning|afternoon|evening|night))?"
)
_EN_CLOCK = r"(?:\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d{2}|noon|midnight)"
_EN_TIME = rf"(?:(?:at|@|around|by)\s+)?{_EN_CLOCK}"
_EN = re.compile(
    rf"\b(?:in\s+{_COUNT}\s+(?:hours?|minutes?|mins?)\b"
    rf"|{_EN_DATE}(?:\s*,?\s*(?:{_EN_TIME}|(?:at|around)\s+\d{{1,2}}(?![\d:])))?"
    rf"|{_EN_TIME}(?:\s+(?:on\s+)?{_EN_DATE})?)(?![\w:])",
    re.IGNORECASE,
)
_EN_HAS_TIME = re.compile(
    r"\d\s*(?:am|pm|a\.m\.|p\.m\.)|\d:\d|noon|midnight|morning|afternoon|evening|night|tonight"
    r"|\b(?:at|around)\s+\d|hours?\b|minutes?\b|mins?\b",
    re.IGNORECASE,
)
_EN_LEAD = re.compile(r"(?:at|@|around|by)\s+", re.IGNORECASE)
_EN_BARE_HOUR = re.compile(r"\b(at|around)\s+(\d{1,2})$", re.IGNORECASE)

_NUM = rf"(?:\d{{1,2}}|[{CN_DIGITS}十]{{1,3}})"
_ZH_WEEKDAY = r"(?:周|星期|礼拜)[一二三四五六日天1-7]"
_ZH_PERIOD = r"(?:早上|上午|中午|下午|傍晚|晚上|凌晨|早|晚)"
_ZH_DATE = (
    rf"(?:大后天|后天|明天|今天|今晚|明晚|明早|今早"
    rf"|(?:下下|下个?|这个?|本)?{_ZH_WEEKDAY}"
    rf"|(?:\d{{4}}|[{CN_DIGITS}]{{4}})年{_NUM}月{_NUM}[日号]|{_NUM}月{_NUM}[日号]|{_NUM}号"
    rf"|{_NUM}(?:天|周|个?星期|个?月)[以之]?后|下个?月|下周|下个?星期)"
)
_ZH_TIME = rf"(?:{_ZH_PERIOD}?{_NUM}[点點时:：](?:{_NUM}分?|半|一刻|三刻|整)?)"
_ZH = re.compile(
    rf"(?P<rel>{_NUM})个?(?P<unit>小时|分钟)[以之]?后"
    rf"|(?P<date>{_ZH_DATE})(?:(?P<time>{_ZH_TIME})|(?P<period>{_ZH_PERIOD}))?"
    rf"|(?P<clock>{_ZH_TIME})"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ZH_WEEKDAY_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_PERIOD_HOUR = {"早上": 9, "早": 9, "上午": 10, "中午": 12, "下午": 15, "傍晚": 18}
_PERIOD_HOUR |= {"晚上": 20, "晚": 20, "凌晨": 2}
_ZH_FIXED_DAYS = {"今天": 0, "今晚": 0, "今早": 0, "明天": 1, "明晚": 1, "明早": 1, "后天": 2}
_ZH_FIXED_DAYS["大后天"] = 3
_PM_PERIODS = ("下午", "傍晚", "晚上", "晚", "今晚", "明晚")


def find_dates(text: str, now: datetime) -> list[DateMatch]:
    """English and Chinese date/time expressions in ``text``, resolved relative to ``now``.

    ``now`` must be timezone-aware; results are in its timezone. Values are a ``date`` when
    only a day was said, else an aware ``datetime``.
    """
    if now.tzinfo is None:
        raise ValueError("find_dates needs an aware 'now' (its timezone resolves the dates)")
    found: list[DateMatch] = []
    for match in _EN.finditer(text):
        value = _english_value(match.group(0), now)
        if value is not None:
            # "at 3pm": the preposition helps dateparser but is not part of the entity.
            lead = _EN_LEAD.match(match.group(0))
            start = match.start() + (lead.end() if lead else 0)
            found.append(DateMatch(start, match.end(), text[start : match.end()], value))
    if _CJK.search(text):
        for match in _ZH.finditer(text):
            value = _chinese_value(match, now)
            if value is not None:
                found.append(DateMatch(match.start(), match.end(), match.group(0), value))
    return found


def _english_value(span: str, now: datetime) -> date | datetime | None:
    has_time = bool(_EN_HAS_TIME.search(span))
    phrase = re.sub(r"\b(?:tmrw|tmr)\b", "tomorrow", span.lower())
    phrase = re.sub(r"\b(?:this\s+)?coming\s+", "", phrase)
    evening = "night" in phrase or "evening" in phrase  # "tonight" included
    phrase = phrase.replace("tonight", "today")
    bare = _EN_BARE_HOUR.search(phrase)
    if bare:
        # "at 3" in a sales chat means business hours: 1-6 o'clock is afternoon.
        hour = int(bare.group(2))
        if hour < 12 and (evening or 1 <= hour <= 6):
            hour += 12
        phrase = phrase[: bare.start()] + f"{bare.group(1)} {hour:02d}:00"
    if "today" in phrase and evening and not bare and not re.search(r"\d", phrase):
        phrase = phrase.replace("today", "today 20:00")
    date_said = bool(re.search(_EN_DATE, phrase, re.IGNORECASE))
    # dateparser works in naive local time here; the timezone is re-attached afterwards.
    settings = {"RELATIVE_BASE": now.replace(tzinfo=None), "RETURN_AS_TIMEZONE_AWARE": False}
    if date_said:
        settings["PREFER_DATES_FROM"] = "future"
    parsed = dateparser.parse(phrase, languages=["en"], settings=settings)
    if parsed is None:
        return None
    if not has_time:
        return parsed.date()
    return _aware(parsed, now, roll=not date_said)


def _chinese_value(match: re.Match[str], local: datetime) -> date | datetime | None:
    if match.group("rel"):
        amount = cn_to_int(match.group("rel")) or 0
        unit = "hours" if match.group("unit") == "小时" else "minutes"
        return local + timedelta(**{unit: amount})
    date_part = match.group("date") or ""
    day = _zh_day(date_part, local.date(), local) if date_part else None
    if date_part and day is None:
        return None
    clock_text = match.group("time") or match.group("clock")
    clock = _zh_clock(clock_text, date_part) if clock_text else None
    if clock is None and match.group("period"):
        clock = time(_PERIOD_HOUR[match.group("period")])
    if clock is None and date_part in ("今晚", "明晚"):
        clock = time(20)
    if clock is None:
        return day
    moment = datetime.combine(day or local.date(), clock, tzinfo=local.tzinfo)
    if day is None and moment < local:
        moment += timedelta(days=1)
    return moment


def _zh_day(part: str, today: date, local: datetime) -> date | None:
    if part in _ZH_FIXED_DAYS:
        return today + timedelta(days=_ZH_FIXED_DAYS[part])
    week = re.fullmatch(r"(下下|下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天1-7])", part)
    if week:
        index = _ZH_WEEKDAY_INDEX.get(week.group(2), None)
        index = int(week.group(2)) - 1 if index is None else index
        monday = today - timedelta(days=today.weekday())
        prefix = week.group(1) or ""
        if prefix.startswith("下下"):
            return monday + timedelta(days=14 + index)
        if prefix.startswith("下"):
            return monday + timedelta(days=7 + index)
        if prefix:
            return monday + timedelta(days=index)
        ahead = (index - today.weekday()) % 7
        return today + timedelta(days=ahead)
    month_day = re.fullmatch(rf"(?:(\S+)年)?({_NUM})月({_NUM})[日号]", part)
    if month_day:
        year = cn_to_int(month_day.group(1)) if month_day.group(1) else None
        month, dom = cn_to_int(month_day.group(2)), cn_to_int(month_day.group(3))
        try:
            day = date(year or today.year, month or 0, dom or 0)
        except ValueError:
            return None
        if year is None and day < today:
            day = day.replace(year=today.year + 1)
        return day
    dom_only = re.fullmatch(rf"({_NUM})号", part)
    if dom_only:
        dom = cn_to_int(dom_only.group(1)) or 0
        month = today if dom >= today.day else (today.replace(day=1) + timedelta(days=32))
        try:
            return month.replace(day=dom)
        except ValueError:
            return None
    normalised = re.sub(rf"[{CN_DIGITS}十]+", lambda m: str(cn_to_int(m.group(0))), part)
    settings = {"RELATIVE_BASE": local.replace(tzinfo=None), "PREFER_DATES_FROM": "future"}
    parsed = dateparser.parse(normalised, languages=["zh"], settings=settings)
    return parsed.date() if parsed else None


def _zh_clock(span: str, date_part: str) -> time | None:
    found = re.fullmatch(rf"({_ZH_PERIOD})?({_NUM})[点點时:：]({_NUM}分?|半|一刻|三刻|整)?", span)
    if not found:
        return None
    period, hour, rest = found.group(1), cn_to_int(found.group(2)), found.group(3) or ""
    minute = {"半": 30, "一刻": 15, "三刻": 45, "整": 0}.get(rest)
    if minute is None:
        minute = cn_to_int(rest.rstrip("分")) if rest else 0
    if hour is None or minute is None:
        return None
    pm = period in _PM_PERIODS or date_part in ("今晚", "明晚")
    if (pm and hour < 12) or (period is None and not pm and 1 <= hour <= 6):
        hour += 12  # 下午3点; a bare 3点 in a sales chat means business hours
    if period == "中午" and hour < 6:
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _aware(parsed: datetime, now: datetime, *, roll: bool) -> datetime:
    moment = parsed.replace(tzinfo=now.tzinfo)
    if roll and moment < now:
        # A time without a day that has already passed today means tomorrow.
        moment += timedelta(days=1)
    return moment
