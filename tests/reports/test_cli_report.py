"""``salesbot report``: table output for people, and clear errors for bad input."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli.report import report_app
from crm_store.database import Database
from tests.conftest import CONFIG
from tests.reports.known import SINCE, UNTIL, seed_known

runner = CliRunner()


@pytest.fixture
def env(sqlite_template: Path, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "salesbot.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"

    async def seed() -> None:
        db = Database(url)
        await seed_known(db)
        await db.dispose()

    asyncio.run(seed())
    return {"DATABASE_URL": url, "SALESBOT_DATA_DIR": str(tmp_path)}


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(report_app, [*args, "--config", str(CONFIG)], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_tables_for_people(env: dict[str, str]) -> None:
    code, out, err = run(env, "surveys", "--since", SINCE, "--until", UNTIL, "--by", "rep")
    assert code == 0, err
    assert "dates in America/New_York" in err
    lines = out.splitlines()
    assert lines[0] == "surveys" and lines[1].split()[:3] == ["group", "sent", "answered"]
    assert lines[3].split()[:4] == ["all", "10", "8", "80.0"]
    assert any(line.startswith("Ann Rep") for line in lines)  # reps by name
    assert "surveys_per_week" in out and "nps_distribution" in out

    code, out, err = run(env, "funnel", "--since", SINCE, "--until", UNTIL)
    assert code == 0, err
    for table in ("funnel", "timings", "follow_ups", "pipeline", "leads_per_week"):
        assert f"\n{table}\n" in f"\n{out}"
    assert "human_first_response  minutes  4      5.0     8.0" in out

    code, out, err = run(env, "unanswered", "--by", "language")
    assert code == 0, err
    assert "Do you ship to Brazil?" in out and "可以寄到巴西吗" in out


def test_a_draft_faq_entry_from_the_terminal(env: dict[str, str]) -> None:
    code, out, _ = run(env, "unanswered", "--format", "csv")
    key = out.splitlines()[1].split(",")[0]
    code, out, err = run(env, "unanswered", "--draft", key)
    assert code == 0, err
    [entry] = yaml.safe_load(out)["entries"]
    assert entry["question"]["en"].lower() == "do you ship to brazil?"
    code, _, err = run(env, "unanswered", "--draft", "en-424242")
    assert code == 2 and "no group 'en-424242'" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["surveys", "--since", "yesterday"], "is not a date"),
        (["surveys", "--since", "2026-03-02", "--until", "2026-03-01"], "until must be later"),
        (["funnel", "--by", "language"], "can be split by campaign, channel, rep"),
        (["unanswered", "--by", "rep"], "can be split by language"),
    ],
)
def test_bad_input_is_explained(env: dict[str, str], args: list[str], message: str) -> None:
    code, _, err = run(env, *args)
    assert code == 2 and message in err
