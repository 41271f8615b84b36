"""A local SMTP server for tests: aiosmtpd on 127.0.0.1, an ephemeral port, in the test's loop."""

from __future__ import annotations

import asyncio
import email
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope


@dataclass
class Inbox:
    port: int = 0
    received: list[Envelope] = field(default_factory=list)
    # Codes to answer the next DATA commands with instead of accepting (e.g. "451 later").
    refuse: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:  # noqa: N802
        if self.refuse:
            return self.refuse.pop(0)
        self.received.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(e.original_content or b"", policy=policy.default)  # type: ignore[misc]
            for e in self.received
        ]


@asynccontextmanager
async def smtp_inbox() -> AsyncIterator[Inbox]:
    inbox = Inbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(inbox, hostname="localhost", ident="test-smtp"), "127.0.0.1", 0
    )
    inbox.port = server.sockets[0].getsockname()[1]
    try:
        yield inbox
    finally:
        server.close()
        await server.wait_closed()
