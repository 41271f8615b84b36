"""`salesbot serve` as a user runs it: a real process answering /healthz (#2)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from crm_store import migrate
from crm_store.database import Database
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def salesbot(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_serve_migrates_sqlite_and_answers_healthz(tmp_path: Path) -> None:
    port = free_port()
    proc = salesbot("serve", "--port", str(port), env={"SALESBOT_DATA_DIR": str(tmp_path)})
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.communicate()[0]
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve did not come up in 60 s"
                time.sleep(0.3)
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok" and body["schema"] == migrate.head_revision()
        assert body["database"] == "sqlite"
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        assert metrics.status_code == 200 and "salesbot_outbox_pending 0.0" in metrics.text
        assert (tmp_path / "salesbot.db").exists()
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    # uvicorn shuts down gracefully, then re-raises SIGTERM as its exit status.
    assert proc.returncode in (0, -15), output
    assert "Application shutdown complete" in output


@pytest.fixture
def empty_pg_database() -> Iterator[str]:
    name = f"salesbot_empty_{uuid.uuid4().hex[:8]}"

    async def run(sql: str) -> None:
        db = Database(PG_URL, isolation_level="AUTOCOMMIT")
        async with db.engine.connect() as conn:
            await conn.execute(text(sql))
        await db.dispose()

    try:
        asyncio.run(run(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not available: {exc}")
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    asyncio.run(run(f'DROP DATABASE "{name}" WITH (FORCE)'))


def test_serve_refuses_outdated_postgresql_schema(empty_pg_database: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": empty_pg_database, "SALESBOT_DATA_DIR": str(tmp_path)}
    proc = salesbot("serve", "--port", str(free_port()), env=env)
    output = proc.communicate(timeout=60)[0]
    assert proc.returncode == 1, output
    assert "run `salesbot db upgrade` first" in output
    upgrade = salesbot("db", "upgrade", env=env)
    assert upgrade.communicate(timeout=60)[0].strip().endswith(migrate.head_revision())
    assert upgrade.returncode == 0
