"""SQLite statements run inline on the event loop (#4): what that must not cost.

The loop may never freeze while another process holds the write lock (a CLI command beside
``serve``), transactions of one process queue for its one connection instead of failing,
and the overall busy timeout still ends a wait that never ends.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from crm_store import database
from crm_store.database import Database

HOLD_SECONDS = 1.0
CONFIG = Path(__file__).resolve().parents[2] / "config"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    yield db
    await db.dispose()


@contextmanager
def lock_held_elsewhere(path: str, seconds: float) -> Iterator[None]:
    """Another connection (as another process would) takes the write lock for a while."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        taken.set()
        release.wait(seconds)
        other.execute("COMMIT")
        other.close()

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait()
    try:
        yield
    finally:
        release.set()
        holder.join()


async def insert(db: Database, body: str) -> None:
    async with db.session() as session, session.begin():
        await session.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": body})


async def test_a_lock_held_by_another_process_is_waited_for_without_freezing_the_loop(
    store: Database,
) -> None:
    stalls: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            stalls.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    started = time.perf_counter()
    with lock_held_elsewhere(str(store.engine.url.database), HOLD_SECONDS):
        await insert(store, "after the other writer")
    waited = time.perf_counter() - started
    done.set()
    await ticking
    assert waited >= HOLD_SECONDS * 0.9, "the insert did wait for the lock"
    # With SQLite's own busy handler the loop froze for the whole second; now it runs.
    assert len(stalls) > 10 and max(stalls) < HOLD_SECONDS / 2
    async with store.engine.connect() as conn:
        assert (await conn.execute(text("SELECT body FROM notes"))).scalars().all() == [
            "after the other writer"
        ]


async def test_concurrent_transactions_of_one_process_queue_for_its_connection(
    store: Database,
) -> None:
    await asyncio.gather(*(insert(store, f"note {i}") for i in range(40)))
    async with store.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM notes"))).scalar() == 40
    assert store.engine.pool.size() == 1  # type: ignore[attr-defined]


async def test_the_overall_busy_timeout_still_ends_the_wait(
    store: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 200)
    with lock_held_elsewhere(str(store.engine.url.database), 5), pytest.raises(OperationalError):
        await insert(store, "never")
    await insert(store, "fine once the lock is free")


async def test_results_can_be_streamed(store: Database) -> None:
    # Streaming takes a server-side cursor and fetches from it in batches (fetchmany).
    await asyncio.gather(*(insert(store, f"note {i}") for i in range(5)))
    async with store.engine.connect() as conn:
        result = await conn.stream(text("SELECT body FROM notes ORDER BY id"))
        assert [row.body async for row in result] == [f"note {i}" for i in range(5)]


async def test_database_pool_size_sizes_a_server_pool_but_not_a_sqlite_file(
    tmp_path: Path,
) -> None:
    from bot.runtime import Runtime
    from bot.settings.model import load_settings
    from tests.conftest import PG_URL

    environ = {"SALESBOT_DATA_DIR": str(tmp_path), "SALESBOT_DATABASE__POOL_SIZE": "7"}
    on_sqlite = Runtime.create(load_settings(CONFIG, environ))
    on_postgres = Runtime.create(load_settings(CONFIG, {**environ, "DATABASE_URL": PG_URL}))
    try:
        assert on_postgres.db.engine.pool.size() == 7  # type: ignore[attr-defined]
        assert on_sqlite.db.engine.pool.size() == 1  # type: ignore[attr-defined]
    finally:
        await on_sqlite.db.dispose()
        await on_postgres.db.dispose()
