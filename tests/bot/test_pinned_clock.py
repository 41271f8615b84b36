"""A pinned clock: ``PinnedClock``, ``SALESBOT_NOW`` and ``--now`` (#15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.cli.clock import clock_for, pinned_start
from bot.cli.main import app
from bot.settings.model import Settings
from crm_store.clock import PinnedClock, SystemClock, parse_instant
from tests.conftest import CONFIG

runner = CliRunner()
START = datetime(2025, 3, 12, 2, 30, tzinfo=UTC)


def test_pinned_clock_starts_at_the_instant_and_runs_on() -> None:
    monotonic = [1000.0]
    shanghai = timezone(timedelta(hours=8))
    clock = PinnedClock(datetime(2025, 3, 12, 10, 30, tzinfo=shanghai), lambda: monotonic[0])
    assert clock.now() == START and clock.now().tzinfo is UTC
    monotonic[0] += 90.5
    assert clock.now() == START + timedelta(seconds=90.5)
    with pytest.raises(ValueError, match="aware"):
        PinnedClock(datetime(2025, 3, 12, 10, 30))


def test_a_real_pinned_clock_moves_forward() -> None:
    clock = PinnedClock(START)
    first, second = clock.now(), clock.now()
    assert START <= first <= second < START + timedelta(seconds=5)


@pytest.mark.parametrize(
    "text", ["2025-03-12T10:30:00+08:00", "2025-03-12T02:30:00Z", " 2025-03-12T02:30:00+00:00 "]
)
def test_instants_with_an_offset(text: str) -> None:
    assert parse_instant(text) == START


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2025-03-12T10:30:00", "'2025-03-12T10:30:00' has no UTC offset: expected"),
        ("2025-03-12", "'2025-03-12' has no UTC offset: expected"),
        ("next tuesday", "'next tuesday' is not an ISO 8601 time with a UTC offset, e.g."),
    ],
)
def test_instants_without_an_offset_are_refused(text: str, problem: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_instant(text)
    assert str(caught.value).startswith(problem)
    assert "2025-03-12T10:30:00+08:00" in str(caught.value)  # the expected format, by example


def test_the_option_wins_over_the_variable() -> None:
    env = {"SALESBOT_NOW": "2025-01-01T00:00:00Z"}
    assert pinned_start("2025-03-12T10:30:00+08:00", env) == START
    assert pinned_start(None, env) == datetime(2025, 1, 1, tzinfo=UTC)
    assert pinned_start(None, {"SALESBOT_NOW": " "}) is None
    assert isinstance(clock_for(None, {}), SystemClock)
    assert isinstance(clock_for(None, env), PinnedClock)


def test_a_bad_value_names_its_source() -> None:
    with pytest.raises(typer.Exit) as caught:
        pinned_start("soon", {})
    assert caught.value.exit_code == 2
    with pytest.raises(typer.Exit):
        pinned_start(None, {"SALESBOT_NOW": "soon"})


@pytest.mark.parametrize("command", ["serve", "chat"])
def test_serve_and_chat_refuse_a_bad_now_in_one_line(command: str, tmp_path: Path) -> None:
    env = {"SALESBOT_DATA_DIR": str(tmp_path), "SALESBOT_NOW": ""}
    result = runner.invoke(app, [command, "--config", str(CONFIG), "--now", "noon"], env=env)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --now: 'noon' is not an ISO 8601 time with a UTC offset, "
        "e.g. 2025-03-12T10:30:00+08:00\n"
    )
    env["SALESBOT_NOW"] = "2025-03-12 10:30"
    result = runner.invoke(app, [command, "--config", str(CONFIG)], env=env)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: SALESBOT_NOW: '2025-03-12 10:30' has no UTC offset")


def test_chat_runs_on_the_pinned_clock(settings: Settings, tmp_path: Path) -> None:
    # Saturday in every rep's time zone: the handoff flow says when someone is back.
    env = {
        "SALESBOT_DATA_DIR": str(settings.data_dir),  # the session's trained models
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}",
        "SALESBOT_NOW": "2025-03-15T11:00:00-04:00",
    }
    result = runner.invoke(
        app, ["chat", "--config", str(CONFIG)], input="talk to a person\n/quit\n", env=env
    )
    assert result.exit_code == 0, result.output
    assert "The clock starts at 2025-03-15T15:00:00+00:00 (pinned)." in result.stdout
    assert (
        "Our sales team is offline right now — the next person is available "
        "Sun 16 Mar 2025, 21:00 (America/New_York)" in result.stdout
    )
