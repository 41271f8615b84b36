"""Showing a moment to a person in their own time zone and language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

_ZH_WEEKDAYS = "一二三四五六日"


def format_local(moment: datetime, timezone: str, lang: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    if lang == "zh":
        return (
            f"{local.month}月{local.day}日（周{_ZH_WEEKDAYS[local.weekday()]}）"
            f"{local:%H:%M}（{timezone}）"
        )
    return f"{local:%a %d %b %Y, %H:%M} ({timezone})"
