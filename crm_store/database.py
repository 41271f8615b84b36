"""Engines and sessions for the embedded SQLite default and for PostgreSQL.

SQLite is tuned so concurrent writers queue instead of failing: WAL (readers never block
the writer), a busy timeout, and ``BEGIN IMMEDIATE`` so a transaction takes the write lock
up front rather than failing with "database is locked" when it later upgrades a read lock.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util.concurrency import await_, in_greenlet

from crm_store import sqlite_inline

SQLITE_BUSY_TIMEOUT_MS = 30_000
# With statements inline on the event loop, the longest SQLite itself may block it while
# another process holds the write lock; the rest of the wait sleeps on the loop.
INLINE_BUSY_TIMEOUT_MS = 20


class Database:
    """One engine and its session factory; created once per process and passed around."""

    def __init__(
        self, url: str, *, echo: bool = False, pool_size: int | None = None, **engine_kwargs: Any
    ) -> None:
        """``pool_size`` (``database.pool_size``) sizes a server database's pool; a SQLite
        file always has one connection (see below)."""
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if pool_size is not None and self.dialect != "sqlite":
            engine_kwargs.setdefault("pool_size", pool_size)
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            connect_args = engine_kwargs.pop("connect_args", {})
            connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
            engine_kwargs["connect_args"] = connect_args
            if parsed.drivername == "sqlite+aiosqlite":
                # Statements run inline on the event loop (see sqlite_inline), so this
                # process must never wait on SQLite's lock for its own other connection:
                # one connection, for which transactions queue in the pool.
                engine_kwargs.setdefault("module", sqlite_inline.dbapi())
                if parsed.database and parsed.database != ":memory:":
                    engine_kwargs.setdefault("pool_size", 1)
                    engine_kwargs.setdefault("max_overflow", 0)
        self.engine: AsyncEngine = create_async_engine(url, echo=echo, **engine_kwargs)
        if self.dialect == "sqlite":
            _tune_sqlite(self.engine)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    async def dispose(self) -> None:
        await self.engine.dispose()

    def __repr__(self) -> str:
        # The URL may carry a password; render_as_string hides it.
        return f"Database({make_url(self.url).render_as_string(hide_password=True)!r})"


def _tune_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if isinstance(dbapi_connection.driver_connection, sqlite_inline.Connection):
            # Set after the journal mode, which may need the full wait at first open.
            cursor.execute(f"PRAGMA busy_timeout={INLINE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        _begin_immediate(connection)


def _begin_immediate(connection: Connection) -> None:
    """``BEGIN IMMEDIATE``, waiting for another process's write lock without freezing
    the event loop.

    Statements run inline on the loop (``sqlite_inline``), and SQLite's busy handler
    sleeps in the calling thread: with the full busy timeout, a CLI command or a second
    process holding the lock for a second froze every socket of ``serve`` for that second.
    So the connection waits only briefly inside SQLite (``INLINE_BUSY_TIMEOUT_MS``), and
    between attempts this sleeps on the loop, up to the usual busy timeout overall.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.002
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            busy = "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower()
            if not busy or not in_greenlet() or time.monotonic() + delay > deadline:
                raise
        await_(asyncio.sleep(delay))
        delay = min(delay * 2, 0.05)
