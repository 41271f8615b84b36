"""Where the CPU of one answered web chat question goes, and the floor under it (#4).

    .venv/bin/python benchmarks/turn_costs.py [--turns 2000] [--conversations 50] [--repeat 3]

In one process, without sockets: the real hub (demo business, NLU models of ``config/``, a
fresh SQLite store) answers ``--turns`` product questions from ``--conversations``
customers, interleaved as concurrent visitors would, and the turn is timed whole (CPU time).
The parts nothing can skip are measured three ways: timed inside the turn (the NLU parse,
the knowledge base's retrieval and product mentions, SQLite's statements and commits at the
DB-API); by what a turn saves when the NLU or the knowledge base answers from a cache (the
questions repeat, and their answers depend on the text alone), which also counts what their
work costs the rest of the turn (allocations, evicted CPU caches); and alone, in a tight loop.
Each variant runs ``--repeat`` times, interleaved, and the median is reported.

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
import contextlib
import functools
import inspect
import itertools
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def instrumented(runtime: Any, spent: Spent) -> Iterator[None]:
    """Time the NLU, the knowledge base and SQLite where the hub calls them.

    The SQLite methods are patched on their classes, so they are put back afterwards: the
    next run must not pay for this run's wrappers too.
    """
    from crm_store import sqlite_inline

    hub = runtime.hub
    hub.nlu.parse = timed(spent, "nlu", hub.nlu.parse)
    knowledge = hub.services.knowledge
    knowledge.search = timed(spent, "knowledge", knowledge.search)
    knowledge.mentions = timed(spent, "knowledge", knowledge.mentions)
    execute, commit = sqlite_inline.Cursor.execute, sqlite_inline.Connection.commit
    sqlite_inline.Cursor.execute = timed(spent, "sqlite", execute)  # type: ignore[method-assign]
    sqlite_inline.Connection.commit = timed(spent, "sqlite", commit)  # type: ignore[method-assign]
    try:
        yield
    finally:
        sqlite_inline.Cursor.execute = execute  # type: ignore[method-assign]
        sqlite_inline.Connection.commit = commit  # type: ignore[method-assign]


def memoize(runtime: Any, skip: frozenset[str]) -> None:
    """Answer the NLU or the knowledge base from a cache, so a turn skips their work but
    takes the same paths (the questions repeat; their answers depend on the text alone)."""
    hub = runtime.hub
    if "nlu" in skip:
        hub.nlu.parse = functools.lru_cache(maxsize=None)(hub.nlu.parse)
    if "knowledge" in skip:
        knowledge = hub.services.knowledge
        search, found = knowledge.search, {}

        def cached_search(text: str, lang: str, *args: Any, **kwargs: Any) -> Any:
            key = (text, lang, args, repr(sorted(kwargs.items())))
            if key not in found:
                found[key] = search(text, lang, *args, **kwargs)
            return found[key]

        knowledge.search = cached_search
        knowledge.mentions = functools.lru_cache(maxsize=None)(knowledge.mentions)


async def hub_turns(
    turns: int, conversations: int, data_dir: Path, skip: frozenset[str] = frozenset()
) -> tuple[float, Spent, dict[str, float], list[Any]]:
    from sqlalchemy import event

    from bot.runtime import Runtime
    from bot.settings.model import load_settings
    from dialogs.core.types import ChannelAddress, InboundMessage
    from tests.driver import RecordingAdapter

    settings = load_settings(ROOT / "config", {"SALESBOT_DATA_DIR": str(data_dir)})
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
    memoize(runtime, skip)
    per = turns // conversations

    async def visitor(number: int) -> None:
        for i in range(per):
            await runtime.hub.receive(message(number, QUESTIONS[(number + i) % len(QUESTIONS)]))

    with instrumented(runtime, spent):
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


VARIANTS = {
    "whole turn": frozenset(),
    "NLU answered from a cache": frozenset({"nlu"}),
    "knowledge answered from a cache": frozenset({"knowledge"}),
    "both from a cache": frozenset({"nlu", "knowledge"}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each variant")
    parser.add_argument("--echo-us", type=float, default=30.0, help="socket cost per message")
    args = parser.parse_args()
    us = 1e6
    data_dir = Path(tempfile.mkdtemp())

    runs: dict[str, list[float]] = defaultdict(list)
    spent: Spent = defaultdict(float)
    alone: dict[str, float] = {}
    captured: list[Any] = []
    for _ in range(args.repeat):  # interleaved, so a change in the machine's load hits all
        for name, skip in VARIANTS.items():
            for old in data_dir.glob("salesbot.db*"):  # a fresh store; the models are kept
                old.unlink()
            per_turn, timers, alone, captured = asyncio.run(
                hub_turns(args.turns, args.conversations, data_dir, skip)
            )
            runs[name].append(per_turn)
            if not skip:
                for part, value in timers.items():
                    spent[part] += value / args.repeat
    median = {name: statistics.median(values) for name, values in runs.items()}
    whole = median["whole turn"]
    floor = store_floor(captured, args.turns)

    print(
        f"{args.turns} turns from {args.conversations} conversations, CPU per turn, median of "
        f"{args.repeat} interleaved runs"
    )
    print("| variant | us per turn | runs |\n|---|---:|---|")
    for name, value in median.items():
        each = " / ".join(f"{v * us:,.0f}" for v in runs[name])
        print(f"| {name} | {value * us:,.0f} | {each} |")
    nlu = whole - median["NLU answered from a cache"]
    knowledge = whole - median["knowledge answered from a cache"]
    print()
    print("| part | timed inside the turn | saved when skipped | alone, in a tight loop |")
    print("|---|---:|---:|---:|")
    print(f"| NLU parse | {spent['nlu'] * us:,.0f} | {nlu * us:,.0f} | {alone['nlu'] * us:,.0f} |")
    print(
        f"| knowledge base | {spent['knowledge'] * us:,.0f} | {knowledge * us:,.0f} | "
        f"{alone['one knowledge search'] * us:,.0f} (one search) |"
    )
    print(f"| SQLite statements and commits | {spent['sqlite'] * us:,.0f} | | |")
    print(f"| the turn's {len(captured)} statements, bare sqlite3 | | | {floor * us:,.0f} |")
    print()
    both = whole - median["both from a cache"]
    print(f"NLU and knowledge together (saved when both are skipped): {both * us:,.0f} us")
    least = both + floor + args.echo_us / us
    print(
        f"least a turn can cost = NLU and knowledge + bare sqlite3 + sockets"
        f" ({args.echo_us:.0f} us) = {least * us:,.0f} us -> at most {1 / least:,.0f} answers/s"
        " on one core"
    )
    print(f"the whole turn today -> at most {1 / whole:,.0f} answers/s on one core")


if __name__ == "__main__":
    main()
