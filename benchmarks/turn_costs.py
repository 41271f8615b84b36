"""Where the CPU of one answered web chat question goes, and the floor under it (#4).

    .venv/bin/python benchmarks/turn_costs.py [--turns 2000] [--conversations 50]

In one process, without sockets: the real hub (demo business, NLU models of ``config/``, a
fresh SQLite store) answers ``--turns`` product questions from ``--conversations``
customers, interleaved as concurrent visitors would. The turn is timed whole (CPU time)
and, inside it, the parts nothing can skip: the NLU parse, the knowledge base lookups
(retrieval and product mentions) and SQLite itself (statements and commits, timed at the
DB-API). What is left is Python around them: SQLAlchemy, the dialog manager, the hub.

Then the floor of the store: the very statements one turn ran (captured from the hub),
replayed with the bare ``sqlite3`` module, prepared once, in the same two transactions per
turn (the turn, then the delivery mark), with the same pragmas (WAL, synchronous=NORMAL).

The sum of the parts that cannot be skipped, plus the socket cost of the echo server (from
``webchat_load.py``), is the least CPU one answered question can cost in this design; its
inverse is the most messages per second one core can answer.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import itertools
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.webchat_load import QUESTIONS  # noqa: E402

Spent = defaultdict[str, float]


def timed(spent: Spent, part: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(fn):
        # The inline SQLite connection's methods are coroutines that never suspend, so the
        # time around the await is theirs alone.
        async def coroutine(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                spent[part] += time.perf_counter() - start

        return coroutine

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[part] += time.perf_counter() - start

    return wrapper


def instrument(runtime: Any, spent: Spent) -> None:
    """Time the NLU, the knowledge base and SQLite where the hub calls them."""
    from crm_store import sqlite_inline

    hub = runtime.hub
    hub.nlu.parse = timed(spent, "nlu", hub.nlu.parse)
    knowledge = hub.services.knowledge
    knowledge.search = timed(spent, "knowledge", knowledge.search)
    knowledge.mentions = timed(spent, "knowledge", knowledge.mentions)
    sqlite_inline.Cursor.execute = timed(spent, "sqlite", sqlite_inline.Cursor.execute)
    sqlite_inline.Connection.commit = timed(spent, "sqlite", sqlite_inline.Connection.commit)


async def hub_turns(
    turns: int, conversations: int
) -> tuple[float, Spent, dict[str, float], list[Any]]:
    from sqlalchemy import event

    from bot.runtime import Runtime
    from bot.settings import load_settings
    from bot.types import ChannelAddress, InboundMessage
    from tests.driver import RecordingAdapter

    settings = load_settings(ROOT / "config", {"SALESBOT_DATA_DIR": tempfile.mkdtemp()})
    runtime = Runtime.create(settings)
    runtime.adapters["webchat"] = RecordingAdapter("webchat")
    await runtime.start()
    ids = itertools.count()

    def message(visitor: int, text: str) -> InboundMessage:
        address = ChannelAddress("webchat", f"visitor-{visitor}", "")
        return InboundMessage(address, f"user-{visitor}", text, message_id=f"m{next(ids)}")

    for visitor in range(conversations):  # not measured: creates contacts and conversations
        await runtime.hub.receive(message(visitor, "hello"))

    # One turn's statements, for the floor of the store.
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        captured.append((sql, params))

    engine = runtime.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", capture)
    await runtime.hub.receive(message(0, QUESTIONS[0]))
    event.remove(engine, "before_cursor_execute", capture)

    alone = parts_alone(runtime, turns)
    spent: Spent = defaultdict(float)
    instrument(runtime, spent)
    per = turns // conversations

    async def visitor(number: int) -> None:
        for i in range(per):
            await runtime.hub.receive(message(number, QUESTIONS[(number + i) % len(QUESTIONS)]))

    cpu = time.process_time()
    await asyncio.gather(*(visitor(v) for v in range(conversations)))
    cpu = time.process_time() - cpu
    await runtime.stop()
    n = per * conversations
    return cpu / n, Spent(float, {k: v / n for k, v in spent.items()}), alone, captured


def parts_alone(runtime: Any, turns: int) -> dict[str, float]:
    """The NLU parse and one retrieval, each run in a tight loop on the same questions (warm
    caches: a lower bound; inside a turn they cost more, see the table)."""
    hub = runtime.hub
    out = {}
    for name, fn in (
        ("nlu", lambda q: hub.nlu.parse(q, "en")),
        ("one knowledge search", lambda q: hub.services.knowledge.search(q, "en")),
    ):
        start = time.process_time()
        for i in range(turns):
            fn(QUESTIONS[i % len(QUESTIONS)])
        out[name] = (time.process_time() - start) / turns
    return out


def store_floor(captured: list[tuple[str, Any]], turns: int) -> float:
    """CPU per turn of the captured statements with bare sqlite3 (2 transactions)."""
    path = Path(tempfile.mkdtemp()) / "floor.db"
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    schema = [sql for sql, _ in _schema_statements()]
    for sql in schema:
        setup.execute(sql)
    setup.commit()
    setup.close()

    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    _seed(db)
    statements = [(sql, tuple(params)) for sql, params in captured if not sql.startswith("BEGIN")]
    start = time.process_time()
    for i in range(turns):
        seq = 10 + 2 * i
        outbound_id = 0
        db.execute("BEGIN IMMEDIATE")
        for sql, params in statements:
            if sql.startswith("INSERT INTO messages") and "RETURNING" in sql:
                params = (1, seq, *params[2:5], f"floor-{i}", *params[6:])
                db.execute(sql, params).fetchall()
            elif sql.startswith("INSERT INTO messages"):
                params = (1, seq + 1, *params[2:])
                outbound_id = int(db.execute(sql, params).lastrowid or 0)
            elif sql.startswith("UPDATE messages"):
                db.execute("COMMIT")  # the turn's transaction; the delivery mark has its own
                db.execute("BEGIN IMMEDIATE")
                db.execute(sql, (f"sent-{i}", *params[1:-1], outbound_id))
            else:
                db.execute(sql, params).fetchall()
        db.execute("COMMIT")
    spent = time.process_time() - start
    db.close()
    return spent / turns


def _schema_statements() -> list[tuple[str, None]]:
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    from crm_store.models import Base

    dialect = sqlite.dialect()
    out: list[tuple[str, None]] = []
    for table in Base.metadata.sorted_tables:
        out.append((str(CreateTable(table).compile(dialect=dialect)), None))
        out += [(str(CreateIndex(ix).compile(dialect=dialect)), None) for ix in table.indexes]
    return out


def _seed(db: sqlite3.Connection) -> None:
    """The one contact, identity and conversation the captured statements address."""
    now = "2026-11-26 00:00:00.000000"
    db.execute(
        "INSERT INTO contacts (id, language, marketing_opt_out, created_at, updated_at)"
        " VALUES (1, 'en', 0, ?, ?)",
        (now, now),
    )
    db.execute(
        "INSERT INTO channel_identities (contact_id, channel, external_id, created_at)"
        " VALUES (1, 'webchat', 'user-0', ?)",
        (now,),
    )
    db.execute(
        "INSERT INTO conversations (id, contact_id, channel, chat_id, thread_id, language,"
        " status, state, created_at, updated_at) VALUES"
        " (1, 1, 'webchat', 'visitor-0', '', 'en', 'bot', '{}', ?, ?)",
        (now, now),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--echo-us", type=float, default=30.0, help="socket cost per message")
    args = parser.parse_args()

    per_turn, spent, alone, captured = asyncio.run(hub_turns(args.turns, args.conversations))
    floor = store_floor(captured, args.turns)
    us = 1e6
    parts = {name: spent.get(name, 0.0) for name in ("nlu", "knowledge", "sqlite")}
    rest = per_turn - sum(parts.values())
    print(f"{args.turns} turns from {args.conversations} conversations, CPU per turn (us)")
    print("| part | us per turn | share |\n|---|---:|---:|")
    for name, value in [*parts.items(), ("everything else (Python around them)", rest)]:
        print(f"| {name} | {value * us:,.0f} | {value / per_turn:.0%} |")
    print(f"| **whole turn** | **{per_turn * us:,.0f}** | 100% |")
    print()
    print(
        f"store floor (the turn's {len(captured)} statements, bare sqlite3): {floor * us:,.0f} us"
    )
    least = parts["nlu"] + parts["knowledge"] + floor + args.echo_us / us
    print(
        f"least a turn can cost = NLU + knowledge + store floor + sockets ({args.echo_us:.0f} us)"
        f" = {least * us:,.0f} us -> at most {1 / least:,.0f} answers/s on one core"
    )
    print(f"the whole turn today -> at most {1 / per_turn:,.0f} answers/s on one core")
    print(
        "alone, in a tight loop: "
        + ", ".join(f"{name} {value * us:,.0f} us" for name, value in alone.items())
    )


if __name__ == "__main__":
    main()
