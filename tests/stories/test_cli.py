"""``salesbot test``: the report, ``--json``, exit codes, ``--now``, malformed files, and the
demo business's own stories (#15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from bot.settings.model import Settings
from tests.conftest import CONFIG

runner = CliRunner()

STORIES = """
stories:
  - name: greeting
    now: 2025-03-12T10:30:00-04:00
    steps:
      - user: hi
      - bot: {contains: "Auralis Meeting Systems assistant", buttons: [Get a quote]}
  - name: wrong greeting
    now: 2025-03-12T10:30:00-04:00
    steps:
      - user: hi
      - bot: {contains: "Welcome to Kettle & Co"}
"""


@pytest.fixture
def env(settings: Settings) -> dict[str, str]:
    # The session's models (trained once); no SALESBOT_NOW from the machine running the tests.
    return {"SALESBOT_DATA_DIR": str(settings.data_dir), "SALESBOT_NOW": ""}


def salesbot_test(env: dict[str, str], *args: str) -> object:
    return runner.invoke(app, ["test", "--config", str(CONFIG), *args], env=env)


def story_file(tmp_path: Path, text: str, name: str = "stories.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_failing_story_shows_the_turn_and_exits_1(tmp_path: Path, env: dict[str, str]) -> None:
    result = salesbot_test(env, story_file(tmp_path, STORIES))
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("PASS    stories.yaml: greeting")
    assert lines[1].startswith("FAIL    stories.yaml: wrong greeting")
    assert lines[2] == '        step 2: bot: expected a reply containing "Welcome to Kettle & Co"'
    assert lines[3] == "        got:"
    assert lines[4].startswith("          bot: \"Hi! I'm the Auralis Meeting Systems assistant.")
    assert lines[5] == "               buttons: [Get a quote] [Book a call] [Talk to sales]"
    assert lines[6] == "          active flow: none; conversation: bot"
    assert lines[-1].startswith("1 passed, 1 failed in ")


def test_json_report(tmp_path: Path, env: dict[str, str]) -> None:
    result = salesbot_test(env, story_file(tmp_path, STORIES), "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert (report["passed"], report["failed"], report["pending"]) == (1, 1, 0)
    passed, failed = report["stories"]
    assert {"name", "passed", "turn", "reason"} <= set(passed)
    assert (passed["name"], passed["passed"], passed["turn"], passed["reason"]) == (
        "greeting", True, None, ""
    )  # fmt: skip
    assert (failed["passed"], failed["turn"], failed["status"]) == (False, 2, "failed")
    assert failed["reason"] == 'bot: expected a reply containing "Welcome to Kettle & Co"'
    assert failed["actual"][-1] == "active flow: none; conversation: bot"


def test_pending_both_ways(tmp_path: Path, env: dict[str, str]) -> None:
    still = STORIES.replace(
        "  - name: wrong greeting\n", "  - name: wrong greeting\n    pending: a later issue\n"
    )
    result = salesbot_test(env, story_file(tmp_path, still), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["passed"], report["failed"], report["pending"]) == (1, 0, 1)
    assert report["stories"][1]["status"] == "pending"
    assert report["stories"][1]["turn"] == 2

    fixed = STORIES.replace("  - name: greeting\n", "  - name: greeting\n    pending: later\n")
    result = salesbot_test(env, story_file(tmp_path, fixed, "fixed.yaml"), "-k", "greeting")
    assert result.exit_code == 1
    assert "        at the end: passes now: remove pending from this story" in result.stdout


def test_now_option_and_variable_start_stories_without_their_own(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = story_file(
        tmp_path,
        """
stories:
  - name: tomorrow
    steps:
      - user: can we have a call tomorrow at 3pm?
      - user: New York
      - user: Jo Smith          # #16: name and e-mail before the confirmation
      - user: jo@example.com
      - bot: "Thu 13 Mar 2025, 15:00"
""",
    )
    assert salesbot_test(env, path, "--now", "2025-03-12T10:30:00-04:00").exit_code == 0
    pinned = {**env, "SALESBOT_NOW": "2025-03-12T10:30:00-04:00"}
    assert salesbot_test(pinned, path).exit_code == 0
    # The option wins over the variable.
    result = salesbot_test(pinned, path, "--now", "2025-03-13T10:30:00-04:00")
    assert result.exit_code == 1 and "Fri 14 Mar 2025, 15:00" in result.stdout


def test_a_malformed_story_file_is_one_line_per_problem(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = story_file(
        tmp_path,
        """
stories:
  - name: typo
    steps:
      - usr: hi
      - bot: {contain: x}
    expect:
      lead: {emial: a@example.com}
""",
    )
    result = salesbot_test(env, path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {path}: story \"typo\": step 1: unknown step 'usr' "
        "(expected one of user, click, bot, wait, rep, resolve)",
        f"error: {path}: story \"typo\": step 2: bot: unknown check 'contain' "
        "(expected contains, not_contains, buttons, flow, intent, status, none)",
        f"error: {path}: story \"typo\": expect: lead: unknown field 'emial' (known: budget, "
        "campaign, company, email, estimated_value, name, phone, product_interest, rooms, "
        "score, source_channel, status, timeline)",
    ]
    broken = story_file(tmp_path, "stories:\n  - name: [\n", "broken.yaml")
    result = salesbot_test(env, broken)
    assert result.exit_code == 2 and "Traceback" not in result.output
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {broken}: line 3: not valid YAML:")
    result = salesbot_test(env, str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path / 'missing.yaml'}: no such file or folder\n"


def test_a_bad_now_is_one_line(tmp_path: Path, env: dict[str, str]) -> None:
    path = story_file(tmp_path, STORIES)
    result = salesbot_test(env, path, "--now", "tomorrow")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --now: 'tomorrow' is not an ISO 8601 time with a UTC offset, "
        "e.g. 2025-03-12T10:30:00+08:00\n"
    )
    result = salesbot_test({**env, "SALESBOT_NOW": "2025-03-12T10:30"}, path)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: SALESBOT_NOW: '2025-03-12T10:30' has no UTC offset")


def test_the_demo_stories_pass(env: dict[str, str]) -> None:
    result = salesbot_test(env, str(CONFIG / "stories"))
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.stdout.splitlines()[-1]
