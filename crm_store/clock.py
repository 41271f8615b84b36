"""Injected time. Reminders, surveys and escalations are tested by moving a fake clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

# What a pinned start looks like, for error messages (SALESBOT_NOW, --now, a story's now:).
INSTANT_FORMAT = "an ISO 8601 time with a UTC offset, e.g. 2025-03-12T10:30:00+08:00"


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta or timedelta(**kwargs)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)


class PinnedClock:
    """Starts at a chosen instant and runs on in real time from there (``SALESBOT_NOW``).

    For demos and reproducible checks: working hours, "tomorrow" and scheduled work behave
    as on that day, while a running server still sees time pass (reminders come due,
    messages are ordered). The monotonic clock measures the run, so changing the system
    time meanwhile moves nothing.
    """

    def __init__(self, start: datetime, monotonic: Callable[[], float] = time.monotonic) -> None:
        if start.tzinfo is None:
            raise ValueError("PinnedClock needs an aware datetime")
        self.start = start.astimezone(UTC)
        self._monotonic = monotonic
        self._origin = monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self._monotonic() - self._origin)


def parse_instant(text: str) -> datetime:
    """An aware UTC datetime from ISO 8601 text; ``ValueError`` saying what was expected.

    A time without an offset is refused rather than guessed: the same text would mean a
    different instant on a machine in another time zone, which defeats reproducibility.
    """
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not {INSTANT_FORMAT}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset: expected {INSTANT_FORMAT}")
    return parsed.astimezone(UTC)
