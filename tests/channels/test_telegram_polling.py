"""Long polling (#5): an update is confirmed only once it is stored; chats run side by side."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram.types import Update
from sqlalchemy import func, select

from channels.telegram.polling import MAX_ATTEMPTS, Poller
from crm_store.models import Message
from crm_store.uow import UnitOfWork
from tests.channels.telegram_kit import (  # noqa: F401
    Rig,
    fake_telegram_fixture,
    fixture,
    polling_rig_fixture,
    rig_parts_fixture,
)


def update(update_id: int, chat_id: int) -> Update:
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "A"},
                "text": f"m{update_id}",
            },
        }
    )


class StubDispatcher:
    """Stands in for aiogram's Dispatcher: records, and fails or blocks on request."""

    def __init__(self) -> None:
        self.seen: list[int] = []
        self.fail: dict[int, int] = {}  # update id -> failures left
        self.gates: dict[int, asyncio.Event] = {}

    async def feed_update(self, bot: Any, update: Update) -> None:
        if update.update_id in self.gates:
            await asyncio.wait_for(self.gates[update.update_id].wait(), 5)
        if self.fail.get(update.update_id, 0) > 0:
            self.fail[update.update_id] -= 1
            raise ConnectionError("store unavailable")
        self.seen.append(update.update_id)
        for gate in self.gates.values():
            gate.set()  # whoever waits for "another chat ran" may go on


async def test_offset_confirms_only_updates_before_the_first_failure() -> None:
    dispatcher = StubDispatcher()
    poller = Poller(None, dispatcher)  # type: ignore[arg-type]
    dispatcher.fail[11] = 1
    ok = await poller.process([update(11, 1), update(12, 2), update(13, 1)])
    assert not ok and poller.offset == 11
    assert dispatcher.seen == [12]  # chat 1 stops at its failure, to keep its order
    ok = await poller.process([update(11, 1), update(12, 2), update(13, 1)])
    assert ok and poller.offset == 14
    again = dispatcher.seen[1:]
    # Chat 1 in order; 12 comes again too (the store refuses it as a duplicate).
    assert sorted(again) == [11, 12, 13] and again.index(11) < again.index(13)


async def test_chats_are_handled_concurrently_and_each_chat_in_order() -> None:
    dispatcher = StubDispatcher()
    poller = Poller(None, dispatcher)  # type: ignore[arg-type]
    # Chat 1's first update can only finish after chat 2 ran: sequential handling would hang.
    dispatcher.gates[21] = asyncio.Event()
    assert await poller.process([update(21, 1), update(23, 1), update(22, 2)])
    assert dispatcher.seen == [22, 21, 23]


async def test_an_update_that_always_fails_is_dropped_after_max_attempts() -> None:
    dispatcher = StubDispatcher()
    poller = Poller(None, dispatcher)  # type: ignore[arg-type]
    dispatcher.fail[31] = 100
    results = [await poller.process([update(31, 1), update(32, 1)]) for _ in range(MAX_ATTEMPTS)]
    assert results == [False] * (MAX_ATTEMPTS - 1) + [True]
    assert dispatcher.seen == [32] and poller.offset == 33


async def test_polling_redelivers_an_update_whose_handling_failed(polling_rig: Rig) -> None:
    rig = polling_rig
    rig.channel.poller.retry_delay = 0
    real_receive = rig.hub.receive
    failures = [ConnectionError("database went away")]

    async def broken_once(inbound):  # noqa: ANN001, ANN202
        if failures:
            raise failures.pop()
        return await real_receive(inbound)

    rig.hub.receive = broken_once  # type: ignore[method-assign]
    await rig.deliver(fixture("private_text"))
    assert failures == []
    assert len(rig.server.sent(111111111)) == 1
    async with UnitOfWork(rig.db, rig.clock) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Message)) == 2
    offsets = [c.params.get("offset") for c in rig.server.of("getUpdates")]
    # Not confirmed after the failure (its own id asked for again), confirmed after success.
    assert "815200001" in offsets
    assert rig.server.confirmed_offset == 815200002


async def test_polling_drops_the_webhook_and_asks_only_for_messages_and_clicks(
    polling_rig: Rig,
) -> None:
    rig = polling_rig
    await rig.deliver(fixture("private_text"))
    [delete] = rig.server.of("deleteWebhook")
    assert delete.params.get("drop_pending_updates") in (None, "false", "False")
    first = rig.server.of("getUpdates")[0]
    assert first.params["allowed_updates"] == ["message", "callback_query"]


async def test_duplicate_updates_from_polling_are_answered_once(polling_rig: Rig) -> None:
    rig = polling_rig
    click = fixture("callback_query")
    await rig.server.push(fixture("private_text"))
    await rig.server.push(click, dict(click))  # Telegram sending one update twice
    await rig.server.wait_confirmed(click["update_id"])
    # The answer, then the lead form's start and first question, once.
    assert len(rig.server.sent(111111111)) == 3
    assert [r.status for r in rig.receipts] == ["handled", "handled", "duplicate"]
    assert len(rig.server.of("answerCallbackQuery")) == 1
