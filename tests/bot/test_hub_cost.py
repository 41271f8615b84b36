"""What a turn costs the store, and the outbox sweep under load (#4, web chat throughput).

Counted in statements, not timed: the count is what the throughput work cut (14 -> 8 for a
returning customer's question, BEGIN and COMMIT aside), and it is the same on every machine,
so a change that quietly adds round trips to every message fails here rather than in a
benchmark nobody re-ran.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot.hub import ConversationHub
from bot.outbox import SWEEP_GRACE
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import Delivery
from crm_store.uow import UnitOfWork
from dialogs.core.transcript import address_key
from tests.driver import Chat, RecordingAdapter

# Reads: the contact, the conversation, its latest message (quick replies and the next
# seq), the undelivered replies. Writes: the customer's message, the reply, the state.
# Then one statement records the delivery. (Before #4's work: 12 and 2.)
TURN_STATEMENTS = 7
DELIVERY_STATEMENTS = 1


@contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        first = sql.split(None, 1)[0].upper()
        if first not in ("BEGIN", "COMMIT", "ROLLBACK"):
            statements.append(sql)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def test_a_returning_customers_question_costs_a_fixed_number_of_statements(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    await chat.say("hello")
    clock.advance(seconds=20)  # time moves between messages, so timestamps change too
    with counted(db) as statements:
        replies = await chat.say("How much is the Cam 4K?")
    assert replies and "899 USD" in replies[0].text
    writes = [s for s in statements if s.split(None, 1)[0].upper() in ("INSERT", "UPDATE")]
    # the customer's message, the reply, the conversation row, the delivery mark
    assert len(writes) == 4, writes
    assert len(statements) <= TURN_STATEMENTS + DELIVERY_STATEMENTS, "\n".join(statements)


async def test_a_turn_reads_through_indexes_not_table_scans(
    chat: Chat, db: Database, clock: FakeClock, backend: str
) -> None:
    # Regression (#4): with the status / delivery filters sent as bound parameters, the
    # partial indexes served a lookup only by re-planning the statement for every value
    # bound (SQLite) and the outbox read walked the whole transcript. Each statement is
    # planned here with NULL bound to every parameter, i.e. by what its text alone allows.
    # PostgreSQL rightly prefers a sequential scan on tiny tables, so its plans prove nothing.
    if backend != "sqlite":
        pytest.skip("query plans are checked on SQLite")
    await chat.say("hello")
    clock.advance(seconds=20)
    executed: list[tuple[str, tuple[Any, ...]]] = []

    def record(_conn: Any, _cursor: Any, sql: str, params: Any, *_args: Any) -> None:
        if sql.split(None, 1)[0].upper() in ("SELECT", "UPDATE", "INSERT"):
            executed.append((sql, (None,) * len(params)))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        await chat.say("How much is the Cam 4K?")
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert len(executed) >= TURN_STATEMENTS
    indexes = set()
    async with db.engine.connect() as conn:
        for sql, params in executed:
            plan = [
                str(row[-1])
                for row in await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            ]
            assert not [p for p in plan if p.startswith("SCAN")], f"{sql}\n{plan}"
            indexes.update(p.split(" INDEX ")[1].split()[0] for p in plan if " INDEX " in p)
    # The undelivered replies come from the small partial index, not the whole transcript.
    assert "ix_messages_pending" in indexes, indexes


async def test_a_retried_message_is_refused_by_the_insert_itself(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    await chat.say("hello")
    message = chat.message("How much is the Cam 4K?", message_id="retry-1")
    assert (await chat.hub.receive(message)).status == "handled"
    with counted(db) as statements:
        assert (await chat.hub.receive(message)).status == "duplicate"
    assert not any(s.upper().startswith("SAVEPOINT") for s in statements)
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.open_at(address_key(chat.address))
        assert conversation is not None
        texts = [m.text for m in await uow.messages.transcript(conversation.id)]
    assert texts.count("How much is the Cam 4K?") == 1
    # The seq counted for the refused message is not burnt: the next one follows on.
    await chat.say("thanks")
    async with UnitOfWork(db, clock) as uow:
        seqs = [m.seq for m in await uow.messages.transcript(conversation.id)]
    assert seqs == list(range(1, len(seqs) + 1))


async def test_the_background_sweep_leaves_a_fresh_reply_to_its_turn(
    hub: ConversationHub, new_chat, adapters: dict[str, RecordingAdapter], db: Database,
    clock: FakeClock,
) -> None:  # fmt: skip
    # A reply committed but not yet sent (its turn is between commit and delivery, or the
    # process died there): the sweep must not race the turn for it, but must take it over
    # once the grace has passed, and a restart (no grace) sends it at once.
    chat: Chat = new_chat("webchat", "v-sweep")
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.get_or_create_for_identity("webchat", "v-sweep")
        conversation = await uow.conversations.open_or_create(address_key(chat.address), contact.id)
        await uow.messages.add_outbound(conversation, "written, not yet sent")
    assert await hub.outbox.deliver_due(grace=SWEEP_GRACE) == 0
    clock.advance(seconds=SWEEP_GRACE.total_seconds() + 1)
    assert await hub.outbox.deliver_due(grace=SWEEP_GRACE) == 1
    assert [r.text for r in adapters["webchat"].to(chat.address)] == ["written, not yet sent"]


async def test_a_failed_reply_is_retried_by_the_sweep_without_waiting_for_the_grace(
    chat: Chat, adapters: dict[str, RecordingAdapter], db: Database, clock: FakeClock
) -> None:
    adapters["webchat"].fail_next(1)
    await chat.say("hello")
    clock.advance(seconds=3)  # past the first backoff (2 s), well inside the grace
    assert await chat.hub.outbox.deliver_due(grace=timedelta(hours=1)) == 1
    async with UnitOfWork(db, clock) as uow:
        assert await uow.messages.outbox_due(clock.now()) == []
        conversation = await uow.conversations.open_at(address_key(chat.address))
        assert conversation is not None
        rows = await uow.messages.transcript(conversation.id)
    assert [r.delivery for r in rows if r.role == "bot"] == [Delivery.DELIVERED]
