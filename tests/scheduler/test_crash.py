"""Killed mid-task, the scheduler neither loses a reminder nor sends it twice (#7).

Real processes (``tests/scheduler/worker.py``) run the scheduler on a SQLite file and are
SIGKILLed at the worst moments; nothing is mocked. The reminder task is marked done in the
transaction that writes its messages, so:

- killed inside the send (committed, not yet marked delivered): the restart delivers the
  waiting message and does not run the task again;
- killed before the commit: nothing happened; the restart runs the task, once.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from crm_store.clock import FakeClock
from crm_store.database import Database
from tests.scheduler.support import DANIEL, book_call

ROOT = Path(__file__).resolve().parents[2]


def run_worker(options: dict[str, object]) -> int:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.scheduler.worker", json.dumps(options)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, -signal.SIGKILL), proc.stderr
    return proc.returncode


def sends(out: Path) -> list[dict[str, str]]:
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def db_facts(path: str) -> dict[str, object]:
    engine = create_engine(path.replace("+aiosqlite", ""))
    with engine.connect() as conn:
        task = conn.execute(
            text("select state, attempts from scheduled_tasks where kind = 'followup.reminder'")
        ).one()
        messages = conn.execute(
            text("select delivery from messages where direction = 'out' order by id")
        ).scalars()
        facts = {"task": tuple(task), "outbound": list(messages)}
    engine.dispose()
    return facts


@pytest.fixture
async def booked(seeded_db: Database, clock: FakeClock) -> tuple[str, str]:
    start = clock.now() + timedelta(minutes=20)  # its 15-minute reminder is due at +5
    await book_call(seeded_db, clock, rep_id=DANIEL, starts_at=start, zone="America/New_York")
    await seeded_db.dispose()
    return seeded_db.url, (clock.now() + timedelta(minutes=6)).isoformat()


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_killed_inside_the_send_the_reminder_goes_out_once(
    booked: tuple[str, str], tmp_path: Path
) -> None:
    url, now = booked
    out = tmp_path / "sent.jsonl"
    options = {"db_url": url, "now": now, "out": str(out), "data_dir": str(tmp_path)}

    assert run_worker({**options, "mode": "kill_in_send"}) == -signal.SIGKILL
    assert sends(out) == []
    # The task is done and its message waits in the outbox: committed together.
    assert db_facts(url) == {"task": ("done", 1), "outbound": ["pending"]}

    assert run_worker({**options, "mode": "run"}) == 0
    assert run_worker({**options, "mode": "run"}) == 0  # and a third start sends nothing
    sent = sends(out)
    assert [s["to"] for s in sent] == ["customer", "rep"]
    assert sent[0]["text"].startswith("Reminder: your call with Daniel Brooks")
    assert db_facts(url) == {"task": ("done", 1), "outbound": ["delivered"]}


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_killed_before_the_commit_the_reminder_goes_out_later_once(
    booked: tuple[str, str], tmp_path: Path
) -> None:
    url, now = booked
    out = tmp_path / "sent.jsonl"
    options = {"db_url": url, "now": now, "out": str(out), "data_dir": str(tmp_path)}

    assert run_worker({**options, "mode": "kill_before_commit"}) == -signal.SIGKILL
    assert sends(out) == []
    # Rolled back: no message, and the task is still due (not even counted as attempted).
    assert db_facts(url) == {"task": ("pending", 0), "outbound": []}

    assert run_worker({**options, "mode": "run"}) == 0
    assert run_worker({**options, "mode": "run"}) == 0
    assert [s["to"] for s in sends(out)] == ["customer", "rep"]
    assert db_facts(url) == {"task": ("done", 1), "outbound": ["delivered"]}
