"""Free call slots of sales reps: working hours, minimum notice, buffers and the horizon.

Pure functions over plain values (no store, no clock), so every rule is unit-tested. Slots
start on a grid kept in the rep's own wall-clock time (09:00, 09:30, ...), which keeps them on
the rep's working hours across daylight-saving changes.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dialogs.timing.availability import Interval, working_intervals


@dataclass(frozen=True, slots=True)
class Slot:
    rep_id: int
    start: datetime  # aware UTC
    end: datetime


@dataclass(frozen=True, slots=True)
class SlotRules:
    slot_minutes: int = 30
    min_notice_minutes: int = 120
    buffer_minutes: int = 10
    horizon_days: int = 14

    @classmethod
    def of(cls, booking: Any) -> SlotRules:
        """From ``dialogs.core.content.Booking`` (or anything with the same attributes)."""
        return cls(
            booking.slot_minutes,
            booking.min_notice_minutes,
            booking.buffer_minutes,
            booking.horizon_days,
        )

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)

    @property
    def step_minutes(self) -> int:
        # Lengths that divide an hour give :00/:30-style grids; odd lengths (45, 90 minutes)
        # start on the half hour instead of drifting through the day.
        return self.slot_minutes if 60 % self.slot_minutes == 0 else 30

    def earliest(self, now: datetime) -> datetime:
        return now + timedelta(minutes=self.min_notice_minutes)

    def latest(self, now: datetime) -> datetime:
        """Slots must start before this moment."""
        return now + timedelta(days=self.horizon_days)


@dataclass(frozen=True)
class RepCalendar:
    rep_id: int
    timezone: str
    working_hours: Mapping[str, Sequence[str]]
    busy: tuple[Interval, ...] = field(default=())  # active follow-ups, without buffers


def _merged(intervals: Iterable[Interval]) -> list[Interval]:
    """Touching spans ("09:00-12:00", "12:00-13:00") form one block a slot may straddle."""
    merged: list[Interval] = []
    for interval in sorted(intervals, key=lambda i: i.start):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def _on_grid(moment: datetime, zone: ZoneInfo, step: int) -> datetime:
    """The first grid point at or after ``moment``, counted from the rep's local midnight."""
    local = moment.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = local.hour * 60 + local.minute + (1 if local.second or local.microsecond else 0)
    return (midnight + timedelta(minutes=-(-minutes // step) * step)).astimezone(UTC)


def _clashes(start: datetime, end: datetime, busy: Iterable[Interval], buffer: timedelta) -> bool:
    return any(start < b.end + buffer and end > b.start - buffer for b in busy)


def _hours(calendar: RepCalendar, start: datetime, end: datetime) -> list[Interval]:
    return _merged(working_intervals(dict(calendar.working_hours), calendar.timezone, start, end))


def rep_slots(
    calendar: RepCalendar,
    rules: SlotRules,
    now: datetime,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Iterator[Slot]:
    """The rep's free slots starting in [start, end) and within the rules, earliest first."""
    first = max(start or now, rules.earliest(now))
    last = min(end or rules.latest(now), rules.latest(now))
    if first >= last:
        return
    zone = ZoneInfo(calendar.timezone)
    step = timedelta(minutes=rules.step_minutes)
    buffer = timedelta(minutes=rules.buffer_minutes)
    for block in _hours(calendar, first, last + rules.length):
        moment = _on_grid(block.start, zone, rules.step_minutes)
        while moment + rules.length <= block.end and moment < last:
            finish = moment + rules.length
            if not _clashes(moment, finish, calendar.busy, buffer):
                yield Slot(calendar.rep_id, moment, finish)
            moment += step


def free_slots(
    calendars: Sequence[RepCalendar],
    rules: SlotRules,
    now: datetime,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int | None = None,
    accept: Callable[[Slot], bool] | None = None,
) -> list[Slot]:
    """Distinct start times over all the reps, earliest first (only those ``accept`` takes).

    When several reps are free at the same time, the one listed first in ``calendars`` (the
    caller's preference) gets the slot.
    """
    streams = [
        _keyed(order, rep_slots(cal, rules, now, start=start, end=end))
        for order, cal in enumerate(calendars)
    ]
    found: list[Slot] = []
    for moment, _, slot in heapq.merge(*streams):
        if (found and found[-1].start == moment) or (accept and not accept(slot)):
            continue
        found.append(slot)
        if limit is not None and len(found) >= limit:
            break
    return found


def _keyed(order: int, slots: Iterator[Slot]) -> Iterator[tuple[datetime, int, Slot]]:
    for slot in slots:
        yield slot.start, order, slot


def nearest_slots(
    calendars: Sequence[RepCalendar],
    rules: SlotRules,
    now: datetime,
    target: datetime,
    limit: int,
    accept: Callable[[Slot], bool] | None = None,
) -> list[Slot]:
    """The ``limit`` free slots closest to ``target`` (before or after it), in time order."""
    every = free_slots(calendars, rules, now, accept=accept)
    closest = sorted(every, key=lambda s: (abs(s.start - target), s.start))[:limit]
    return sorted(closest, key=lambda s: s.start)


def is_free(calendar: RepCalendar, rules: SlotRules, now: datetime, start: datetime) -> bool:
    """Whether the rep can take a call at exactly ``start`` (on the grid or not)."""
    finish = start + rules.length
    if start < rules.earliest(now) or start >= rules.latest(now):
        return False
    if _clashes(start, finish, calendar.busy, timedelta(minutes=rules.buffer_minutes)):
        return False
    return any(b.start <= start and finish <= b.end for b in _hours(calendar, start, finish))
