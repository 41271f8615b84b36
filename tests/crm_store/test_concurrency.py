"""Concurrent writers: nothing fails with "database is locked" and nothing is lost (#2)."""

from __future__ import annotations

import asyncio
import multiprocessing

import pytest

from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.repositories.conversations import AddressKey
from crm_store.uow import UnitOfWork
from dialogs.core.transcript import address_key, inbound_fields
from dialogs.core.types import ChannelAddress, InboundMessage

WRITERS = 50
PROCESSES = 5


async def write_one(db: Database, clock: FakeClock, i: int) -> None:
    # Reads then writes in one transaction: the pattern that fails with "database is
    # locked" when a deferred transaction upgrades its lock under contention.
    address = ChannelAddress("webchat", f"visitor-{i % 10}")
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.get_or_create_for_identity("webchat", address.chat_id)
        conv = await uow.conversations.open_or_create(address_key(address), contact.id)
        await uow.messages.add_inbound(
            conv,
            **inbound_fields(
                InboundMessage(address, address.chat_id, f"msg {i}", message_id=f"m{i}")
            ),
        )
        await uow.leads.create(contact.id, source_channel="webchat")


def write_from_another_process(url: str, ids: range) -> None:
    async def run() -> None:
        db = Database(url)
        try:
            await asyncio.gather(*(write_one(db, FakeClock(), i) for i in ids))
        finally:
            await db.dispose()

    asyncio.run(run())


async def assert_all_written(db: Database, clock: FakeClock) -> None:
    async with UnitOfWork(db, clock) as uow:
        total = 0
        seqs_ok = True
        for v in range(10):
            conv = await uow.conversations.open_at(AddressKey("webchat", f"visitor-{v}"))
            assert conv is not None
            messages = await uow.messages.transcript(conv.id)
            total += len(messages)
            seqs_ok &= [m.seq for m in messages] == list(range(1, len(messages) + 1))
        assert total == WRITERS and seqs_ok
        assert len(await uow.leads.list(limit=1000)) == WRITERS
        assert await uow.contacts.count() == 10


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_fifty_concurrent_sqlite_writers(db: Database, clock: FakeClock) -> None:
    # One process: its transactions queue for its one SQLite connection.
    await asyncio.gather(*(write_one(db, clock, i) for i in range(WRITERS)))
    await assert_all_written(db, clock)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_fifty_sqlite_writers_in_five_processes(db: Database, clock: FakeClock) -> None:
    # Processes do compete for SQLite's write lock: without BEGIN IMMEDIATE (and the wait
    # for another process's lock) some of these fail with "database is locked" (#2).
    context = multiprocessing.get_context("spawn")
    per_process = WRITERS // PROCESSES
    workers = [
        context.Process(
            target=write_from_another_process,
            args=(db.url, range(k * per_process, (k + 1) * per_process)),
        )
        for k in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        await asyncio.to_thread(worker.join, 120)
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    await assert_all_written(db, clock)


async def test_concurrent_duplicates_store_one_message(db: Database, clock: FakeClock) -> None:
    address = ChannelAddress("telegram", "900")
    inbound = InboundMessage(address, "900", "hello", message_id="update-77")
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.get_or_create_for_identity("telegram", "900")

    async def deliver() -> bool:
        from crm_store.errors import DuplicateMessage

        try:
            async with UnitOfWork(db, clock) as uow:
                conv = await uow.conversations.open_or_create(address_key(address), contact.id)
                await uow.messages.add_inbound(conv, **inbound_fields(inbound))
            return True
        except DuplicateMessage:
            return False

    results = await asyncio.gather(*(deliver() for _ in range(8)))
    assert results.count(True) == 1
    async with UnitOfWork(db, clock) as uow:
        conv = await uow.conversations.open_at(address_key(address))
        assert conv is not None and len(await uow.messages.transcript(conv.id)) == 1
