"""``salesbot tasks list|retry|cancel`` on the embedded database (#7)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.tasks import tasks_app
from crm_store import migrate
from crm_store.clock import SystemClock
from crm_store.database import Database
from crm_store.models import TaskState
from crm_store.uow import UnitOfWork

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "settings.yaml").write_text(f"data_dir: {tmp_path / 'data'}\n", encoding="utf-8")

    async def seed() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'salesbot.db'}")
        await migrate.upgrade(db)
        async with UnitOfWork(db, SystemClock()) as uow:
            now = uow.clock.now()
            await uow.tasks.schedule("followup.reminder", now + timedelta(hours=1), {"a": 1})
            failed = await uow.tasks.schedule("survey.dispatch", now, {"b": 2})
            failed.state, failed.last_error = TaskState.FAILED.value, "Boom: hub down"
            done = await uow.tasks.schedule("handoff.escalate", now, {"c": 3})
            done.state = TaskState.DONE.value
        await db.dispose()

    asyncio.run(seed())
    return cfg


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(tasks_app, [*args, "--config", str(config)])
    return result.exit_code, result.stdout, result.stderr


def states(config: Path) -> dict[int, tuple[str, int]]:
    code, out, _ = run(config, "list", "--json")
    assert code == 0
    return {row["id"]: (row["state"], row["attempts"]) for row in json.loads(out)}


def test_list_shows_pending_first_and_filters(config: Path) -> None:
    code, out, _ = run(config, "list")
    assert code == 0
    lines = out.splitlines()
    assert "pending" in lines[0] and "followup.reminder" in lines[0]
    assert any("last error: Boom: hub down" in line for line in lines)
    code, out, _ = run(config, "list", "--state", "failed", "--json")
    assert [row["kind"] for row in json.loads(out)] == ["survey.dispatch"]
    code, out, _ = run(config, "list", "--kind", "handoff.escalate")
    assert len(out.splitlines()) == 1 and "done" in out


def test_retry_requeues_failed_tasks_and_cancel_stops_pending_ones(config: Path) -> None:
    assert states(config) == {1: ("pending", 0), 2: ("failed", 0), 3: ("done", 0)}
    code, out, _ = run(config, "retry")
    assert code == 0 and "1 tasks queued again" in out
    assert states(config)[2] == ("pending", 0)

    code, out, _ = run(config, "cancel", "1", "2")
    assert code == 0 and "2 tasks cancelled" in out
    code, _, err = run(config, "cancel", "1", "3")  # neither is pending any more
    assert code == 1 and "not pending" in err
    code, out, _ = run(config, "retry", "1")  # a cancelled task can be brought back by id
    assert code == 0 and "1 tasks queued again" in out
    code, _, err = run(config, "retry", "3")  # a done task is not re-run
    assert code == 1
    assert states(config) == {1: ("pending", 0), 2: ("cancelled", 0), 3: ("done", 0)}


def test_a_retried_task_is_due_on_the_pinned_clock(config: Path) -> None:
    # A server pinned with SALESBOT_NOW (#15) must see the task as due, not a year ahead.
    env = {"SALESBOT_NOW": "2025-03-12T10:30:00+08:00"}
    result = runner.invoke(tasks_app, ["retry", "2", "--config", str(config)], env=env)
    assert result.exit_code == 0, result.output
    code, out, _ = run(config, "list", "--json")
    [row] = [row for row in json.loads(out) if row["id"] == 2]
    assert row["due_at"].startswith("2025-03-12T02:30:")
