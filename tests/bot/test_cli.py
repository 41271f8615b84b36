"""The salesbot CLI: version, help, db and reps commands, error exits (#2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import bot
from bot.cli.main import app, parse_hours

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "settings.yaml").write_text(f"data_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    return cfg


def test_version_and_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"salesbot {bot.__version__}"
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "db", "reps"):
        assert command in result.output
    assert "migrated automatically" in runner.invoke(app, ["serve", "--help"]).output


def test_db_upgrade_then_current(config: Path) -> None:
    result = runner.invoke(app, ["db", "current", "--config", str(config)])
    assert result.exit_code == 1 and "database: empty" in result.output
    result = runner.invoke(app, ["db", "upgrade", "--config", str(config)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["db", "current", "--config", str(config)])
    assert result.exit_code == 0 and "required" in result.output


def test_reps_add_and_list(config: Path) -> None:
    args = ["--config", str(config)]
    result = runner.invoke(
        app,
        [
            "reps",
            "add",
            "Maya Chen",
            "--email",
            "Maya@Auralis.example",
            "--timezone",
            "Asia/Shanghai",
            "--hours",
            "mon-fri=09:00-12:00,13:00-18:00",
            "--language",
            "zh",
            *args,
        ],
    )
    assert result.exit_code == 0, result.output
    # Same e-mail again updates rather than duplicates.
    result = runner.invoke(
        app,
        [
            "reps",
            "add",
            "Maya Chen",
            "--email",
            "maya@auralis.example",
            "--timezone",
            "Asia/Shanghai",
            *args,
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["reps", "list", "--json", *args])
    reps = json.loads(result.output)
    assert [r["email"] for r in reps] == ["maya@auralis.example"]
    assert reps[0]["working_hours"]["fri"] == ["09:00-17:00"]
    assert "Maya Chen" in runner.invoke(app, ["reps", "list", *args]).output


def test_reps_add_rejects_bad_input(config: Path) -> None:
    result = runner.invoke(
        app,
        [
            "reps",
            "add",
            "X",
            "--email",
            "x@y.example",
            "--timezone",
            "Mars/Base",
            "--config",
            str(config),
        ],
    )
    assert result.exit_code == 2 and "unknown time zone 'Mars/Base'" in result.output
    result = runner.invoke(
        app,
        [
            "reps",
            "add",
            "X",
            "--email",
            "x@y.example",
            "--timezone",
            "UTC",
            "--hours",
            "weekdays 9-5",
            "--config",
            str(config),
        ],
    )
    assert result.exit_code == 2 and "use e.g. mon-fri=09:00-17:00" in result.output
    # The same rules as config/reps.yaml: a span ends after it starts; languages en or zh.
    base = ["reps", "add", "Night Owl", "--email", "owl@y.example", "--timezone", "UTC"]
    result = runner.invoke(app, [*base, "--hours", "mon=17:00-09:00", "--config", str(config)])
    assert result.exit_code == 2 and "'17:00-09:00' is not a span" in result.output
    result = runner.invoke(app, [*base, "--language", "fr", "--config", str(config)])
    assert result.exit_code == 2 and "languages" in result.output


def test_bad_config_exits_2_with_precise_error(tmp_path: Path) -> None:
    (tmp_path / "settings.yaml").write_text("databse:\n  url: x\n", encoding="utf-8")
    result = runner.invoke(app, ["db", "upgrade", "--config", str(tmp_path)])
    assert result.exit_code == 2
    assert "settings.yaml" in result.output and "databse: unknown key" in result.output


def test_parse_hours() -> None:
    assert parse_hours(["mon-wed=09:00-12:00,13:00-17:00", "sat=10:00-14:00"]) == {
        "mon": ["09:00-12:00", "13:00-17:00"],
        "tue": ["09:00-12:00", "13:00-17:00"],
        "wed": ["09:00-12:00", "13:00-17:00"],
        "sat": ["10:00-14:00"],
    }
