"""A real salesbot app on uvicorn, 127.0.0.1 and an ephemeral port, for web chat tests.

The server runs in the test's own event loop, so a test can reach into the runtime (add a
rep's message, read the store) between frames without threads.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
import websockets
from sqlalchemy import func, select

from bot.app import create_app, uvicorn_options
from bot.runtime import Runtime
from bot.settings.model import DatabaseSettings, Settings
from bot.transports import webchat_of
from channels.webchat.channel import WebchatChannel
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.models import Conversation, Message, Role
from dialogs.core.content import Content

Frame = dict[str, Any]


@dataclass
class LiveServer:
    runtime: Runtime
    channel: WebchatChannel
    port: int

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/webchat/ws"

    async def customer_messages(self, visitor_id: str) -> list[Message]:
        async with self.runtime.uow() as uow:
            rows = await uow.session.scalars(
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(
                    Conversation.channel == "webchat",
                    Conversation.chat_id == visitor_id,
                    Message.role == Role.CUSTOMER.value,
                )
                .order_by(Message.seq)
            )
            return list(rows.all())

    async def message_count(self) -> int:
        async with self.runtime.uow() as uow:
            return int(await uow.session.scalar(select(func.count(Message.id))) or 0)

    async def rep_says(self, conversation_id: int, text: str) -> None:
        """What the handoff service does with a rep's Slack reply: store it, deliver it."""
        async with self.runtime.uow() as uow:
            conversation = await uow.conversations.get(conversation_id)
            await uow.messages.add_outbound(conversation, text, role=Role.AGENT)
        await self.runtime.hub.outbox.deliver_due()

    async def wait_until(self, condition: Callable[[], bool], within: float = 5.0) -> None:
        deadline = time.monotonic() + within
        while not condition():
            assert time.monotonic() < deadline, "condition not reached in time"
            await asyncio.sleep(0.01)


def with_database(base: Settings, db_path: Path) -> Settings:
    return base.model_copy(
        update={"database": DatabaseSettings(url=f"sqlite+aiosqlite:///{db_path}")}
    )


@asynccontextmanager
async def live_server(
    settings: Settings,
    content: Content,
    template: Path,
    workdir: Path,
    clock: Clock,
    **mount_options: Any,
) -> AsyncIterator[LiveServer]:
    """Start the app (migrated SQLite copy, demo business) and stop it afterwards.

    A second server on the same ``workdir`` shares the first one's store, as two workers.
    """
    db_path = workdir / "salesbot.db"
    if not db_path.exists():
        shutil.copy(template, db_path)
    settings = with_database(settings, db_path)
    runtime = Runtime(
        settings=settings, content=content, db=Database(settings.database_url), clock=clock
    )
    app = create_app(runtime)
    channel = webchat_of(app, **mount_options)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # As `salesbot serve` runs it: the frame limits tested here are the production ones.
    config = uvicorn.Config(
        app, log_config=None, lifespan="on", ws="auto", **uvicorn_options(settings)
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            assert not task.done(), task.exception() if not task.cancelled() else "cancelled"
            await asyncio.sleep(0.02)
        yield LiveServer(runtime, channel, port)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)
        sock.close()


class Client:
    """A web chat client speaking the documented protocol, for tests and benchmarks."""

    def __init__(self, connection: websockets.ClientConnection) -> None:
        self.connection = connection

    @classmethod
    @asynccontextmanager
    async def connect(cls, url: str, origin: str | None = None) -> AsyncIterator[Client]:
        async with websockets.connect(url, origin=origin, open_timeout=10) as connection:  # type: ignore[arg-type]
            yield cls(connection)

    async def send(self, frame: Frame | str) -> None:
        await self.connection.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, within: float = 10.0) -> Frame:
        return json.loads(await asyncio.wait_for(self.connection.recv(), within))

    async def auth(self, token: str, last_seq: int = 0, conversation: int | None = None) -> Frame:
        await self.send(
            {"type": "auth", "token": token, "last_seq": last_seq, "conversation": conversation}
        )
        return await self.recv()

    async def turn(self, frame: Frame) -> list[Frame]:
        """Send a message or click; the frames up to the turn's closing ``typing off``."""
        await self.send(frame)
        return await self.until_typing_off()

    async def until_typing_off(self) -> list[Frame]:
        frames: list[Frame] = []
        while True:
            frame = await self.recv()
            if frame["type"] == "typing" and not frame["on"]:
                return frames
            frames.append(frame)

    async def say(self, text: str, client_msg_id: str) -> list[Frame]:
        return await self.turn({"type": "message", "text": text, "client_msg_id": client_msg_id})

    async def closed(self, within: float = 10.0) -> tuple[int | None, list[Frame]]:
        """Read until the server closes; the close code and the frames seen before it."""
        frames: list[Frame] = []
        try:
            while True:
                frames.append(await self.recv(within))
        except websockets.ConnectionClosed as exc:
            return (exc.rcvd.code if exc.rcvd else None), frames


def messages(frames: list[Frame]) -> list[Frame]:
    return [f for f in frames if f["type"] == "message"]


def seqs(frames: list[Frame]) -> list[int]:
    return [f["seq"] for f in messages(frames)]
