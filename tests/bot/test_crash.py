"""kill -9 in the middle of lead capture loses nothing (#3).

A real process runs the real runtime on a SQLite file and is SIGKILLed inside a send: after
its turn committed, before the reply was marked delivered. The restarted process delivers
that reply (it is still in the outbox) and the form continues at the next question with the
confirmed answers kept.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]


def run_worker(data_dir: Path, out: Path, kill_on_send: int, *messages: str) -> int:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.crash_worker",
            str(data_dir),
            str(out),
            str(kill_on_send),
            *messages,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode in (0, -signal.SIGKILL), proc.stderr
    return proc.returncode


def read(out: Path) -> list[str]:
    if not out.exists():
        return []
    return [json.loads(line)["text"] for line in out.read_text(encoding="utf-8").splitlines()]


def test_sigkill_mid_lead_capture_resumes_at_next_question(tmp_path: Path) -> None:
    out = tmp_path / "delivered.jsonl"
    # Sends: 1 = the form's intro + first question (maybe 2 replies), then one per answer.
    # Killing on the 4th send dies while delivering the reply to the e-mail answer.
    code = run_worker(tmp_path, out, 4, "I want a quote", "Ann Lee", "ann@example.com")
    assert code == -signal.SIGKILL
    before = read(out)
    assert len(before) == 3

    engine = create_engine(f"sqlite:///{tmp_path / 'salesbot.db'}")
    with engine.connect() as conn:
        state = json.loads(conn.execute(text("select state from conversations")).scalar_one())
        pending = conn.execute(
            text("select count(*) from messages where delivery = 'pending'")
        ).scalar_one()
    engine.dispose()
    assert state["flow"] == "lead"
    answers = state["data"]["answers"]
    assert answers["name"] == "Ann Lee" and answers["email"] == "ann@example.com"
    assert pending == 1  # the reply to the e-mail answer: committed, not delivered

    code = run_worker(tmp_path, out, 0, "+1 617 555 0100")
    assert code == 0
    after = read(out)[len(before) :]
    # First the reply that was in the outbox when the process died (the phone question),
    # then the answer to the new message (the next question).
    assert "phone" in after[0].lower()
    assert len(after) == 2 and "phone" not in after[1].lower()
