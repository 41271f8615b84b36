"""One contract for every ConversationLocks backend: in memory and Redis (127.0.0.1:6379)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest

from bot.redis_locks import RedisLocks
from dialogs.core.locks import InMemoryLocks, LockTimeout
from dialogs.core.transcript import address_key
from dialogs.core.types import ChannelAddress

REDIS_URL = os.environ.get("SALESBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def _redis_locks(wait_seconds: float) -> RedisLocks:
    locks = RedisLocks(REDIS_URL, timeout=wait_seconds, lease_seconds=5)
    try:
        await locks._redis.ping()  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001
        await locks.close()
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is required under CI: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return locks


@pytest.fixture(params=["memory", "redis"])
async def make_locks(request: pytest.FixtureRequest) -> AsyncIterator[object]:
    made: list[RedisLocks] = []

    async def make(wait_seconds: float = 5.0) -> object:
        if request.param == "memory":
            return InMemoryLocks(timeout=wait_seconds)
        locks = await _redis_locks(wait_seconds)
        made.append(locks)
        return locks

    yield make
    for locks in made:
        await locks.close()


def address() -> ChannelAddress:
    # Unique per test run, so parallel runs sharing one Redis never collide.
    return ChannelAddress("webchat", f"visitor-{uuid.uuid4().hex}")


async def test_one_holder_at_a_time(make_locks) -> None:  # noqa: ANN001
    locks = await make_locks()
    key, inside, peak = address(), 0, 0

    async def turn() -> None:
        nonlocal inside, peak
        async with locks.hold(key):
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(turn() for _ in range(10)))
    assert peak == 1


async def test_different_conversations_do_not_wait(make_locks) -> None:  # noqa: ANN001
    locks = await make_locks()
    first, second = address(), address()
    async with locks.hold(first):
        async with asyncio.timeout(2):
            async with locks.hold(second):
                pass


async def test_a_waiter_gives_up_after_the_timeout(make_locks) -> None:  # noqa: ANN001
    locks = await make_locks(wait_seconds=0.2)
    key = address()
    async with locks.hold(key):
        with pytest.raises(LockTimeout):
            async with locks.hold(key):
                pass
    async with locks.hold(key):  # released after the holder left, even after a timeout
        pass


async def test_released_when_the_holder_fails(make_locks) -> None:  # noqa: ANN001
    locks = await make_locks(wait_seconds=1)
    key = address()
    with pytest.raises(RuntimeError):
        async with locks.hold(key):
            raise RuntimeError("a turn failed")
    async with locks.hold(key):
        pass


async def test_in_memory_locks_are_cleaned_up_when_idle() -> None:
    locks = InMemoryLocks()
    async with locks.hold(address()):
        assert len(locks) == 1
    assert len(locks) == 0


async def test_the_hub_keeps_a_conversation_in_order_with_redis_locks(
    seeded_db,
    clock,
    settings,
    content,
    understanding,  # noqa: ANN001
) -> None:
    from bot.assembly import build_hub
    from crm_store.uow import UnitOfWork
    from dialogs.nlu import NluService
    from tests.driver import Chat, RecordingAdapter

    locks = await _redis_locks(5)
    adapter = RecordingAdapter("webchat")
    hub = build_hub(
        settings=settings,
        content=content,
        db=seeded_db,
        clock=clock,
        nlu=NluService(understanding.models, clock=clock),
        adapters={"webchat": adapter},
        locks=locks,
    )
    chat = Chat(hub, adapter, chat_id=f"redis-{uuid.uuid4().hex[:8]}")
    try:
        # Two one-message answers ("thank you" would also bring the survey).
        first, second = chat.message("hello"), chat.message("are you a bot?")
        receipts = await asyncio.gather(hub.receive(first), hub.receive(second), hub.receive(first))
        assert sorted(r.status for r in receipts) == ["duplicate", "handled", "handled"]
        async with UnitOfWork(seeded_db, clock) as uow:
            conversation = await uow.conversations.open_at(address_key(chat.address))
            assert conversation is not None
            roles = [m.role for m in await uow.messages.transcript(conversation.id)]
        assert roles == ["customer", "bot", "customer", "bot"]
    finally:
        await locks.close()


async def test_settings_choose_the_backend(tmp_path) -> None:  # noqa: ANN001
    from bot.runtime import make_locks
    from bot.settings.model import load_settings

    assert isinstance(make_locks(load_settings(tmp_path, {})), InMemoryLocks)
    env = {"SALESBOT_LOCKS__BACKEND": "redis", "SALESBOT_LOCKS__REDIS_URL": REDIS_URL}
    locks = make_locks(load_settings(tmp_path, env))
    assert isinstance(locks, RedisLocks)
    await locks.close()
