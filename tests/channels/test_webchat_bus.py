"""Announcements between web workers (#4: a rep's message reaches the visitor's open socket
as it is sent, whichever worker took the rep's Slack reply).

One contract for both buses, then Redis between two workers: a real Redis on 127.0.0.1,
and at the end two real app instances sharing one store, the visitor's socket on one and
the rep's message committed by the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from redis.asyncio import Redis

from bot.settings.model import Settings, load_settings
from channels.webchat.bus import AnnouncementBus, LocalBus, RedisBus
from crm_store.clock import FakeClock
from dialogs.core.config import ConfigError
from dialogs.core.content import Content
from tests.channels.webchat_support import Client, live_server, seqs
from tests.conftest import CONFIG, MONDAY_AFTERNOON

REDIS_URL = os.environ.get("SALESBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class Heard:
    """What a worker's feed was told."""

    def __init__(self) -> None:
        self.visitors: list[str] = []
        self.everyone = 0

    def deliver(self, visitor_id: str) -> None:
        self.visitors.append(visitor_id)

    def all(self) -> None:
        self.everyone += 1


async def require_redis() -> None:
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is required under CI: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    finally:
        await client.aclose()


async def eventually(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def listening(*buses: AnnouncementBus) -> None:
    """Start Redis buses and wait until Redis has confirmed their subscriptions."""
    for bus in buses:
        await bus.start()
        assert isinstance(bus, RedisBus)
        await asyncio.wait_for(bus.subscribed.wait(), 5)


@pytest.fixture
async def workers() -> AsyncIterator[Callable[[str], tuple[AnnouncementBus, Heard]]]:
    """Makes buses of one kind on one channel (unique per test): one per worker."""
    channel = f"salesbot:test:{uuid.uuid4().hex}"
    made: list[AnnouncementBus] = []

    def make(kind: str) -> tuple[AnnouncementBus, Heard]:
        heard = Heard()
        bus: AnnouncementBus
        if kind == "memory":
            bus = LocalBus(heard.deliver, heard.all)
        else:
            bus = RedisBus(heard.deliver, heard.all, url=REDIS_URL, channel=channel)
        made.append(bus)
        return bus, heard

    yield make
    for bus in made:
        await bus.stop()


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_a_worker_hears_its_own_announcement_once_and_at_once(
    kind: str, workers: Callable[[str], tuple[AnnouncementBus, Heard]]
) -> None:
    if kind == "redis":
        await require_redis()
    bus, heard = workers(kind)
    await bus.publish("v-before-start")  # e.g. a reply delivered while the app starts
    await bus.start()
    if isinstance(bus, RedisBus):
        await asyncio.wait_for(bus.subscribed.wait(), 5)
    await bus.publish("v-1")
    assert heard.visitors == ["v-before-start", "v-1"]  # no round trip for its own sockets
    await asyncio.sleep(0.2)  # Redis echoes it back: skipped, not delivered twice
    assert heard.visitors == ["v-before-start", "v-1"]


async def test_another_worker_hears_an_announcement_through_redis(
    workers: Callable[[str], tuple[AnnouncementBus, Heard]],
) -> None:
    await require_redis()
    (a, heard_a), (b, heard_b) = workers("redis"), workers("redis")
    await listening(a, b)
    await a.publish("visitor-on-b")
    await eventually(lambda: heard_b.visitors == ["visitor-on-b"])
    await asyncio.sleep(0.1)
    assert heard_a.visitors == ["visitor-on-b"] and heard_b.visitors == ["visitor-on-b"]


async def test_after_losing_redis_a_worker_subscribes_again_and_rereads_everyone(
    workers: Callable[[str], tuple[AnnouncementBus, Heard]],
) -> None:
    # Pub/sub keeps nothing for an absent subscriber, so announcements made while the
    # connection was down are lost; the worker makes up for it by re-reading the store for
    # every visitor it holds a socket for.
    await require_redis()
    (a, _), (b, heard_b) = workers("redis"), workers("redis")
    await listening(a, b)
    admin = Redis.from_url(REDIS_URL)
    try:  # only B's connections: other users of this Redis are left alone
        ours = [c for c in await admin.client_list() if c.get("name") == b.client_name]
        assert ours
        for client in ours:
            await admin.client_kill_filter(_id=client["id"])
    finally:
        await admin.aclose()
    await eventually(lambda: heard_b.everyone >= 1)
    assert isinstance(b, RedisBus)
    await asyncio.wait_for(b.subscribed.wait(), 5)
    await a.publish("after-the-drop")
    await eventually(lambda: "after-the-drop" in heard_b.visitors)


async def test_publishing_while_redis_is_unreachable_still_tells_this_worker(
    caplog: pytest.LogCaptureFixture,
) -> None:
    heard = Heard()
    bus = RedisBus(heard.deliver, heard.all, url=f"redis://127.0.0.1:{free_port()}/0")
    await bus.start()
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        for visitor in ("v-1", "v-2", "v-3"):
            await bus.publish(visitor)  # never waits for Redis: it runs under a turn's lock
        assert loop.time() - started < 0.05
        assert heard.visitors == ["v-1", "v-2", "v-3"]
        await eventually(lambda: any("publish failed" in r.getMessage() for r in caplog.records))
        await asyncio.sleep(0.7)  # a few retries later
        failures = [r for r in caplog.records if "publish failed" in r.getMessage()]
        assert len(failures) == 1  # once per outage, not once per message or retry
    finally:
        await bus.stop()


async def test_what_could_not_be_published_is_published_when_redis_is_back(
    workers: Callable[[str], tuple[AnnouncementBus, Heard]],
) -> None:
    # Worker A cannot reach Redis (its address forwards to Redis only later) while B can:
    # B's subscription never drops, so only A can make up for what it failed to say.
    await require_redis()
    b, heard_b = workers("redis")
    await listening(b)
    assert isinstance(b, RedisBus)
    port = free_port()
    heard_a = Heard()
    a = RedisBus(
        heard_a.deliver, heard_a.all, url=f"redis://127.0.0.1:{port}/15", channel=b.channel
    )
    await a.start()
    try:
        await a.publish("said-while-away")
        await asyncio.sleep(0.3)  # refused at least once
        assert heard_b.visitors == []
        async with forwarding(port):
            await eventually(lambda: heard_b.visitors == ["said-while-away"], within=10)
    finally:
        await a.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def forwarding(port: int) -> AsyncIterator[None]:
    """127.0.0.1:``port`` forwards to the test Redis while the block runs."""
    target = urlsplit(REDIS_URL)

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(target.hostname, target.port)
        await asyncio.gather(
            pipe(reader, up_writer), pipe(up_reader, writer), return_exceptions=True
        )

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()


def test_an_unknown_bus_is_a_configuration_error(tmp_path: Path) -> None:
    env = {"SALESBOT_DATA_DIR": str(tmp_path), "SALESBOT_CHANNELS__WEBCHAT__BUS": "kafka"}
    with pytest.raises(ConfigError, match="bus"):
        load_settings(CONFIG, env)


async def test_a_reps_message_reaches_a_socket_held_by_another_worker(
    settings: Settings, content: Content, sqlite_template: Path, tmp_path: Path
) -> None:
    await require_redis()
    channels = settings.channels.model_copy(
        update={
            "webchat": settings.channels.webchat.model_copy(
                update={"bus": "redis", "redis_url": REDIS_URL}
            )
        }
    )
    two_workers = settings.model_copy(update={"channels": channels})
    clock = FakeClock(MONDAY_AFTERNOON)
    # Two app instances on one store (the second finds the first's file), as two workers.
    async with (
        live_server(two_workers, content, sqlite_template, tmp_path, clock) as a,
        live_server(two_workers, content, sqlite_template, tmp_path, clock) as b,
    ):
        for worker in (a, b):
            assert isinstance(worker.channel.bus, RedisBus)
            await asyncio.wait_for(worker.channel.bus.subscribed.wait(), 5)
        async with httpx.AsyncClient(base_url=b.http) as http:
            token = (await http.post("/webchat/session", json={})).json()["token"]
        async with Client.connect(b.ws) as tab:
            await tab.auth(token)
            frames = await tab.say("hello", "w1")
            conversation = next(f["conversation"] for f in frames if f["type"] == "ready")
            await a.rep_says(conversation, "Dana here, from the other worker.")
            frame = await tab.recv(within=5)
    assert frame["role"] == "agent" and frame["text"] == "Dana here, from the other worker."
    assert frame["seq"] == max(seqs(frames)) + 1
