"""SQLite for the async engine without a thread hop per statement.

aiosqlite runs every statement on a helper thread and wakes the event loop to hand the
result back: a web chat turn (about twenty statements) paid ~130 event-loop iterations and
as many thread switches, more than the SQL itself costs (issue #4, web chat load). SQLite is
an in-process library whose statements take microseconds on a local file, so here they run
inline on the loop: this module is a minimal aiosqlite look-alike whose coroutines finish
without suspending, plugged into SQLAlchemy's own aiosqlite dialect through
``create_async_engine(..., module=dbapi())``.

Blocking the loop is only safe while no other connection *of this process* can hold the
write lock, or SQLite's busy handler would sleep on the loop that the holder needs to
finish: ``crm_store.database`` therefore gives a SQLite file one connection per process
(transactions queue for it asynchronously in the pool). Another process's lock (the CLI
beside a running ``serve``) is waited for by sleeping on the loop between short attempts
(``database._begin_immediate``), not in SQLite's busy handler.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
)

# The names SQLAlchemy's aiosqlite dialect copies from the driver module.
DatabaseError = sqlite3.DatabaseError
Error = sqlite3.Error
IntegrityError = sqlite3.IntegrityError
NotSupportedError = sqlite3.NotSupportedError
OperationalError = sqlite3.OperationalError
ProgrammingError = sqlite3.ProgrammingError
sqlite_version = sqlite3.sqlite_version
sqlite_version_info = sqlite3.sqlite_version_info
__version__ = "inline"


class Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> Sequence[Any]:
        return self._cursor.fetchall()

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    async def close(self) -> None:
        self._cursor.close()


class Connection:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn: sqlite3.Connection | None = connection

    @property
    def _connection(self) -> sqlite3.Connection | None:
        # SQLAlchemy's adapter checks this before commit and rollback.
        return self._conn

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("no active connection")
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._live().isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._live().isolation_level = value

    def cursor(self) -> Cursor:
        return Cursor(self._live().cursor())

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._live().create_function(*args, **kwargs)

    async def commit(self) -> None:
        self._live().commit()

    async def rollback(self) -> None:
        self._live().rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


async def connect(database: str, **kwargs: Any) -> Connection:
    kwargs.setdefault("check_same_thread", False)  # created and closed by the pool's caller
    return Connection(sqlite3.connect(database, **kwargs))


class _InlineConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    @property
    def isolation_level(self) -> str | None:
        return self._connection.isolation_level  # type: ignore[no-any-return]

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        # aiosqlite's version queues the change to its thread; there is no thread here.
        self._connection.isolation_level = value


class _InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *args: Any, **kwargs: Any) -> _InlineConnection:
        from sqlalchemy.util.concurrency import await_

        return _InlineConnection(self, await_(connect(*args, **kwargs)))


def dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The DB-API object for ``create_async_engine("sqlite+aiosqlite://...", module=...)``."""
    import sys

    return _InlineDBAPI(sys.modules[__name__], sqlite3)
