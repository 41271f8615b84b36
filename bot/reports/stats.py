"""Small shared arithmetic and the reporting window, so every view rounds and cuts alike.

Percentiles use the nearest-rank method: p90 is the smallest value that at least 90% of the
observations do not exceed. It is always one of the observed values, so "90% of handoffs
were claimed within 7 minutes" is literally true, and it is easy to check by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select


def pct(part: float, whole: float) -> float | None:
    """``part / whole`` in percent with one decimal; ``None`` when there is no whole."""
    return round(100 * part / whole, 1) if whole else None


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (``p`` in 0..100]; ``None`` for no values."""
    if not values:
        return None
    if not 0 < p <= 100:
        raise ValueError("p must be in (0, 100]")
    ordered = sorted(values)
    rank = math.ceil(p / 100 * len(ordered))
    return float(ordered[rank - 1])


@dataclass(frozen=True)
class Spread:
    """How long something took: count, median, p90 and mean (in the caller's unit)."""

    count: int
    median: float | None
    p90: float | None
    mean: float | None

    @classmethod
    def of(cls, values: Sequence[float], digits: int = 1) -> Spread:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, digits)

        mean = sum(values) / len(values) if values else None
        return cls(len(values), r(median(values)), r(percentile(values, 90)), r(mean))


@dataclass(frozen=True)
class Window:
    """A half-open UTC interval ``[since, until)``; either end may be open."""

    since: datetime | None = None
    until: datetime | None = None

    def apply(self, stmt: Select[Any], column: Any) -> Select[Any]:
        """``stmt`` limited to rows whose ``column`` lies in the window."""
        for condition in self.conditions(column):
            stmt = stmt.where(condition)
        return stmt

    def conditions(self, column: Any) -> list[ColumnElement[bool]]:
        """What ``column`` must satisfy to lie in the window (none for an open window)."""
        found: list[ColumnElement[bool]] = []
        if self.since is not None:
            found.append(column >= self.since)
        if self.until is not None:
            found.append(column < self.until)
        return found

    def contains(self, when: datetime | None) -> bool:
        if when is None:
            return False
        if self.since is not None and when < self.since:
            return False
        return self.until is None or when < self.until


def parse_when(value: str | None, tz: str = "UTC") -> datetime | None:
    """``2026-03-01`` (midnight in ``tz``) or an ISO time (no zone means ``tz``) -> UTC.

    The CLI and the dashboard take dates in the business time zone, so "--since 2026-03-01"
    means the business's midnight, the same instant the dashboard's date field means.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    zone = ZoneInfo(tz)
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time(0), zone).astimezone(UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD) or an ISO 8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def window_of(since: str | None, until: str | None, tz: str = "UTC") -> Window:
    """The window for text bounds; ``until`` is exclusive and must come after ``since``."""
    start, end = parse_when(since, tz), parse_when(until, tz)
    if start is not None and end is not None and start >= end:
        raise ValueError("until must be later than since")
    return Window(start, end)


def period_key(when: datetime, by: str, tz: str = "UTC") -> str:
    """The day (2026-03-02), ISO week (2026-W10) or month (2026-03) of ``when`` in ``tz``."""
    local = when.astimezone(ZoneInfo(tz))
    if by == "day":
        return local.date().isoformat()
    if by == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return f"{local.year}-{local.month:02d}"
    raise ValueError(f"unknown period {by!r}")
