"""Two worker processes on one PostgreSQL database: each due task runs exactly once (#7).

Both processes wait at a barrier, then run due reminders as fast as they can; each handler
start is logged to a shared file with the worker's pid. ``claim_due`` locks with ``FOR
UPDATE SKIP LOCKED``, so no task may appear twice (in the log or as a staff message).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from crm_store.clock import FakeClock
from crm_store.database import Database
from tests.scheduler.support import DANIEL, KEVIN, LENA, MAYA, book_call, staff_rows, tasks

ROOT = Path(__file__).resolve().parents[2]
CALLS = 24


def race(common: dict[str, str], tmp_path: Path) -> None:
    """Start both workers, release them together, wait for both."""
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.scheduler.worker",
                json.dumps({**common, "ready": str(tmp_path / f"ready-{n}")}),
            ],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in (1, 2)
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{n}").exists() for n in (1, 2)):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.02)
    (tmp_path / "go").write_text("go")
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_two_workers_run_each_due_task_once(
    seeded_db: Database, pg_schema: str, clock: FakeClock, tmp_path: Path
) -> None:
    reps = [MAYA, LENA, DANIEL, KEVIN]
    first = clock.now() + timedelta(days=2)
    for i in range(CALLS):  # 24 h and 15 min reminders for each: 48 tasks
        await book_call(
            seeded_db,
            clock,
            rep_id=reps[i % 4],
            starts_at=first + timedelta(hours=i // 4),
            zone="Europe/Berlin",
            chat_id=f"visitor-{i}",
        )
    reminders = await tasks(seeded_db, clock, "followup.reminder")
    assert len(reminders) == 2 * CALLS
    now = first - timedelta(minutes=16)  # every 24 h reminder is due, no 15 min one yet
    due = [t for t in reminders if t.due_at <= now]
    assert len(due) == CALLS
    out = tmp_path / "runs.log"
    common = {
        "db_url": seeded_db.url,
        "schema": pg_schema,
        "now": now.isoformat(),
        "out": str(out),
        "data_dir": str(tmp_path),
        "mode": "race",
        "go": str(tmp_path / "go"),
    }
    await asyncio.to_thread(race, common, tmp_path)

    runs = [line.split() for line in out.read_text().splitlines()]
    per_task = Counter(task_id for task_id, _ in runs)
    assert sorted(per_task) == sorted(str(t.id) for t in due)
    assert set(per_task.values()) == {1}
    states = Counter(t.state for t in await tasks(seeded_db, clock, "followup.reminder"))
    assert states == {"done": CALLS, "pending": CALLS}
    messages = await staff_rows(seeded_db, clock)
    assert len(messages) == CALLS  # one rep reminder per call
    print("tasks run per worker:", Counter(pid for _, pid in runs))
