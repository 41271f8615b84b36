"""A customer's time zone from what they type: "London", "上海", "Europe/Berlin", "UTC+8".

Customers answer with a city far more often than with an IANA name, so a small mapping of
common cities (English and Chinese) comes first, then the city part of every IANA zone
("los angeles" -> America/Los_Angeles), then UTC offsets.
"""

from __future__ import annotations

import re
from functools import cache
from zoneinfo import available_timezones

# Cities and words customers use that are not the city part of an IANA name (or that
# differ from it: Beijing and Shenzhen share Asia/Shanghai; "Eastern" is ambiguous in IANA).
_ALIASES: dict[str, str] = {
    # English
    "new york": "America/New_York",
    "nyc": "America/New_York",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "miami": "America/New_York",
    "atlanta": "America/New_York",
    "eastern": "America/New_York",
    "est": "America/New_York",
    "edt": "America/New_York",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "silicon valley": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "dallas": "America/Chicago",
    "houston": "America/Chicago",
    "central": "America/Chicago",
    "mountain": "America/Denver",
    "montreal": "America/Toronto",
    "beijing": "Asia/Shanghai",
    "peking": "Asia/Shanghai",
    "shenzhen": "Asia/Shanghai",
    "guangzhou": "Asia/Shanghai",
    "hangzhou": "Asia/Shanghai",
    "china": "Asia/Shanghai",
    "hong kong": "Asia/Hong_Kong",
    "taipei": "Asia/Taipei",
    "mumbai": "Asia/Kolkata",
    "bombay": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "india": "Asia/Kolkata",
    "munich": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "germany": "Europe/Berlin",
    "cet": "Europe/Berlin",
    "cest": "Europe/Berlin",
    "manchester": "Europe/London",
    "uk": "Europe/London",
    "gmt": "Etc/UTC",
    "utc": "Etc/UTC",
    "sydney": "Australia/Sydney",
    "japan": "Asia/Tokyo",
    "singapore": "Asia/Singapore",
    # Chinese
    "北京": "Asia/Shanghai",
    "上海": "Asia/Shanghai",
    "深圳": "Asia/Shanghai",
    "广州": "Asia/Shanghai",
    "杭州": "Asia/Shanghai",
    "南京": "Asia/Shanghai",
    "成都": "Asia/Shanghai",
    "武汉": "Asia/Shanghai",
    "重庆": "Asia/Shanghai",
    "西安": "Asia/Shanghai",
    "苏州": "Asia/Shanghai",
    "天津": "Asia/Shanghai",
    "中国": "Asia/Shanghai",
    "北京时间": "Asia/Shanghai",
    "香港": "Asia/Hong_Kong",
    "澳门": "Asia/Macau",
    "台北": "Asia/Taipei",
    "台湾": "Asia/Taipei",
    "新加坡": "Asia/Singapore",
    "吉隆坡": "Asia/Kuala_Lumpur",
    "东京": "Asia/Tokyo",
    "日本": "Asia/Tokyo",
    "首尔": "Asia/Seoul",
    "悉尼": "Australia/Sydney",
    "伦敦": "Europe/London",
    "英国": "Europe/London",
    "巴黎": "Europe/Paris",
    "柏林": "Europe/Berlin",
    "慕尼黑": "Europe/Berlin",
    "法兰克福": "Europe/Berlin",
    "德国": "Europe/Berlin",
    "阿姆斯特丹": "Europe/Amsterdam",
    "马德里": "Europe/Madrid",
    "罗马": "Europe/Rome",
    "莫斯科": "Europe/Moscow",
    "迪拜": "Asia/Dubai",
    "纽约": "America/New_York",
    "波士顿": "America/New_York",
    "华盛顿": "America/New_York",
    "多伦多": "America/Toronto",
    "芝加哥": "America/Chicago",
    "丹佛": "America/Denver",
    "洛杉矶": "America/Los_Angeles",
    "旧金山": "America/Los_Angeles",
    "西雅图": "America/Los_Angeles",
    "温哥华": "America/Vancouver",
    "协调世界时": "Etc/UTC",
}
# Offsets that are not whole hours have no Etc/GMT zone; the usual zone for each.
_ODD_OFFSETS = {
    (1, 3, 30): "Asia/Tehran",
    (1, 4, 30): "Asia/Kabul",
    (1, 5, 30): "Asia/Kolkata",
    (1, 5, 45): "Asia/Kathmandu",
    (1, 6, 30): "Asia/Yangon",
    (1, 9, 30): "Australia/Darwin",
    (-1, 3, 30): "America/St_Johns",
}
_OFFSET = re.compile(
    r"^(?:utc|gmt|utc时间|世界时)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?(?:\s*(?:h|小时))?$"
)
# Words around the place: "I'm in London", "London time", "我在上海", "上海时间".
_FILLER = re.compile(
    r"^(?:i\s*am|i'?m|we\s*are|we'?re|based|located|living|live)?\s*(?:in|at|near)?\s+"
    r"|\b(?:time\s*zone|timezone|time|area|city|please|thanks?)\b"
    r"|^(?:我在|我们在|在|我住在|我人在|位于)|(?:时区|时间|这边|那边|附近|市)$",
    re.IGNORECASE,
)


@cache
def _zones_by_lower() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones()}


@cache
def _zones_by_city() -> dict[str, str]:
    """City part of each canonical IANA name ("kuala lumpur" -> Asia/Kuala_Lumpur).

    Cities that appear under several regions (Argentina/Cordoba and America/Cordoba) are
    dropped unless one of them is a plain two-part name.
    """
    found: dict[str, list[str]] = {}
    for zone in available_timezones():
        if "/" not in zone or zone.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            continue
        city = zone.rsplit("/", 1)[1].replace("_", " ").lower()
        found.setdefault(city, []).append(zone)
    result: dict[str, str] = {}
    for city, zones in found.items():
        plain = [z for z in zones if z.count("/") == 1 and not z.startswith("US/")]
        if len(zones) == 1 or len(plain) == 1:
            result[city] = zones[0] if len(zones) == 1 else plain[0]
    return result


def _clean(text: str) -> str:
    cleaned = text.strip().strip(".!?。！？,，").strip()
    for _ in range(3):  # fillers can stack: "I'm in London time"
        shorter = _FILLER.sub(" ", cleaned).strip().strip(".!?。！？,，").strip()
        if shorter == cleaned:
            break
        cleaned = shorter
    return re.sub(r"\s+", " ", cleaned)


def resolve_timezone(text: str) -> str | None:
    """The IANA zone a customer's answer names, or None when it names none."""
    raw = text.strip()
    if not raw or len(raw) > 60:
        return None
    lower = _clean(raw).lower()
    if not lower:
        return None
    # Aliases first: "Singapore" and "Japan" are also legacy zone names, but the customer
    # should see the canonical Asia/Singapore.
    if lower in _ALIASES:
        return _ALIASES[lower]
    for candidate in (raw.lower().replace(" ", "_"), lower.replace(" ", "_")):
        if candidate in _zones_by_lower():
            return _zones_by_lower()[candidate]
    city = _zones_by_city().get(lower)
    if city:
        return city
    # "Berlin, Germany" or "Shanghai China": try the first part alone.
    head = re.split(r"[,，\s]+", lower)[0]
    if head != lower and (head in _ALIASES or head in _zones_by_city()):
        return _ALIASES.get(head) or _zones_by_city()[head]
    return _offset_zone(lower.replace(" ", ""))


def _offset_zone(text: str) -> str | None:
    found = _OFFSET.match(text)
    if found is None:
        return None
    sign = 1 if found.group(1) == "+" else -1
    hours, minutes = int(found.group(2)), int(found.group(3) or 0)
    if minutes:
        return _ODD_OFFSETS.get((sign, hours, minutes))
    if hours > 14 or (sign < 0 and hours > 12):
        return None
    if hours == 0:
        return "Etc/UTC"
    # POSIX-style names invert the sign: Etc/GMT-8 is eight hours ahead of UTC.
    return f"Etc/GMT{'-' if sign > 0 else '+'}{hours}"


def zone_label(zone: str) -> str:
    """A name a customer recognises: "UTC+8" rather than "Etc/GMT-8"."""
    found = re.fullmatch(r"Etc/GMT([+-])(\d{1,2})", zone)
    if found:
        return f"UTC{'-' if found.group(1) == '+' else '+'}{found.group(2)}"
    if zone in ("Etc/UTC", "UTC", "Etc/GMT", "GMT"):
        return "UTC"
    return zone


# City parts of IANA names that are also ordinary words: inside a sentence they are far more
# often the word ("Christmas time", "wake me") than the place, so only a whole answer counts.
_ORDINARY_WORDS = frozenset(
    {"christmas", "easter", "wake", "midway", "center", "reunion", "troll", "casey", "davis"}
    | {"palmer", "knox", "nome", "mahe", "thule", "faroe", "cocos"}
)
_IANA_NAME = re.compile(r"\b[A-Za-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?\b")
# "London time", "New York timezone": up to three words before the marker.
_PLACE_TIME = re.compile(
    r"((?:[A-Za-z.'-]+\s+){0,2}[A-Za-z.'-]+)\s+(?:time\s*zone|timezone|time)\b", re.I
)
# "I'm in Berlin", "based in São Paulo": up to three words after the preposition.
_PLACE_IN = re.compile(
    r"\b(?:i\s*am|i'?m|we\s*are|we'?re|based|located|living|live)\s+(?:in|near)\s+"
    r"((?:[A-Za-z.'-]+\s*){1,3})",
    re.I,
)
_CN_PLACE_TIME = re.compile(r"([\u4e00-\u9fff]{1,8})(?:时间|时区)")
_CN_PLACE_IN = re.compile(r"(?:我在|我们在|我人在|我住在|人在|位于)([\u4e00-\u9fff]{2,8})")


def find_timezone(text: str) -> str | None:
    """The zone a longer message names somewhere in it ("tomorrow 3pm London time",
    "I'm in Berlin, can we talk Friday?", "北京时间明天下午三点"), or None.

    Stricter than ``resolve_timezone``: inside a sentence a place only counts with a cue
    (an IANA name, "X time", "I'm in X"), so a product or a word is not taken for a city.
    """
    whole = resolve_timezone(text)
    if whole is not None:
        return whole
    for match in _IANA_NAME.finditer(text):
        zone = _zones_by_lower().get(match.group(0).lower())
        if zone is not None:
            return zone
    for pattern in (_PLACE_TIME, _PLACE_IN):
        for match in pattern.finditer(text):
            words = match.group(1).split()
            # "at 3pm New York time": the shortest tail that names a place is the place.
            tails = [" ".join(words[i:]) for i in range(len(words))]
            heads = [" ".join(words[:i]) for i in range(len(words), 0, -1)]
            for phrase in tails[::-1] if pattern is _PLACE_TIME else heads:
                zone = _place(phrase)
                if zone is not None:
                    return zone
    for pattern, tails in ((_CN_PLACE_TIME, True), (_CN_PLACE_IN, False)):
        for match in pattern.finditer(text):
            run = match.group(1)
            parts = (
                [run[i:] for i in range(len(run) - 1)]
                if tails
                else [run[:i] for i in range(len(run), 1, -1)]
            )
            for phrase in parts:
                zone = _place(phrase)
                if zone is not None:
                    return zone
    return None


def _place(phrase: str) -> str | None:
    """A place named in a phrase: the curated names, else an IANA city that is no common word."""
    lower = phrase.strip(" .,'").lower()
    if lower in _ALIASES:
        return _ALIASES[lower]
    if lower in _ORDINARY_WORDS:
        return None
    return _zones_by_city().get(lower)
