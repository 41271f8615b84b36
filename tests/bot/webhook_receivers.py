"""Webhook receivers for tests: a real one on 127.0.0.1 and one at the httpx transport seam."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from crm_store.clock import FakeClock


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


class LocalReceiver:
    """A real HTTP receiver on 127.0.0.1 (ephemeral port) that answers 200 to every POST."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._arrived = asyncio.Condition()

    async def __aenter__(self) -> LocalReceiver:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/hooks/salesbot"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")[1:]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                async with self._arrived:
                    self.requests.append(Received(headers, body))
                    self._arrived.notify_all()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def wait_for(self, count: int) -> None:
        async with self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests) >= count)


class FakeReceiver:
    """The transport seam: records each request with the (fake) time it arrived."""

    def __init__(self, clock: FakeClock, respond: Callable[[httpx.Request], httpx.Response]):
        self.clock = clock
        self.respond = respond
        self.requests: list[tuple[float, httpx.Request]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((self.clock.now().timestamp(), request))
        return self.respond(request)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
