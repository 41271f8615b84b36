"""When reps work, in UTC, from working hours kept in each rep's own time zone.

Working hours are wall-clock spans ("09:00-17:00") per weekday; converting them day by day
through ``zoneinfo`` keeps them right across daylight-saving changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Interval:
    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def _parse(span: str) -> tuple[time, time | None]:
    first, last = span.split("-")
    start = time.fromisoformat(first)
    # "24:00" means midnight at the end of the day.
    end = None if last == "24:00" else time.fromisoformat(last)
    return start, end


def working_intervals(
    working_hours: dict[str, Any], timezone: str, start: datetime, end: datetime
) -> Iterator[Interval]:
    """The rep's working intervals intersecting [start, end), as aware UTC datetimes."""
    zone = ZoneInfo(timezone)
    day: date = start.astimezone(zone).date() - timedelta(days=1)
    last_day: date = end.astimezone(zone).date()
    while day <= last_day:
        for span in working_hours.get(WEEKDAYS[day.weekday()], ()):
            open_at, close_at = _parse(span)
            begin = datetime.combine(day, open_at, zone).astimezone(UTC)
            finish = (
                datetime.combine(day + timedelta(days=1), time(0), zone)
                if close_at is None
                else datetime.combine(day, close_at, zone)
            ).astimezone(UTC)
            if finish > start and begin < end:
                yield Interval(max(begin, start), min(finish, end))
        day += timedelta(days=1)


def anyone_working(reps: Iterable[Any], moment: datetime) -> bool:
    return any(
        any(
            True
            for _ in working_intervals(
                r.working_hours, r.timezone, moment, moment + timedelta(seconds=1)
            )
        )
        for r in reps
        if getattr(r, "active", True)
    )


def next_opening(reps: Iterable[Any], moment: datetime, horizon_days: int = 14) -> datetime | None:
    """The earliest moment from ``moment`` on when at least one active rep works."""
    end = moment + timedelta(days=horizon_days)
    starts = [
        interval.start
        for r in reps
        if getattr(r, "active", True)
        for interval in working_intervals(r.working_hours, r.timezone, moment, end)
    ]
    return min(starts, default=None)
