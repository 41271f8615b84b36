"""``--now`` and ``SALESBOT_NOW``: which clock a command runs on (#15).

A pinned clock is for demos, tests and reproducible checks: the process starts at the given
instant and time runs on from there. Without either, the real clock.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated

import typer

from bot.cli.common import fail
from crm_store.clock import Clock, PinnedClock, SystemClock, parse_instant

NOW_ENV = "SALESBOT_NOW"

NowOption = Annotated[
    str | None,
    typer.Option(
        "--now",
        help=(
            "Start the clock at this instant and let it run on, e.g. "
            f"2025-03-12T10:30:00+08:00 (default: ${NOW_ENV}, else the real time)."
        ),
        show_default=False,
    ),
]


def pinned_start(now: str | None, environ: Mapping[str, str] | None = None) -> datetime | None:
    """The instant ``--now`` (else ``SALESBOT_NOW``) names; None when neither is set.

    A bad value stops the command with one line naming where it came from: a typo in an
    environment variable is otherwise hard to trace.
    """
    env = os.environ if environ is None else environ
    source, text = ("--now", now) if now is not None else (NOW_ENV, env.get(NOW_ENV))
    if text is None or not text.strip():
        return None
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise fail(f"{source}: {exc}") from None


def clock_for(now: str | None = None, environ: Mapping[str, str] | None = None) -> Clock:
    """A ``PinnedClock`` when ``--now`` or ``SALESBOT_NOW`` is set, else the system clock."""
    start = pinned_start(now, environ)
    return SystemClock() if start is None else PinnedClock(start)
