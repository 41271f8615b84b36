"""A salesbot process for crash tests: feeds messages to the real runtime, then exits.

    python -m tests.crash_worker DATA_DIR OUTBOX_FILE KILL_ON_SEND MESSAGE...

Replies are appended to OUTBOX_FILE as JSON lines by a file-backed channel adapter. When
KILL_ON_SEND is N > 0 the process SIGKILLs itself inside the N-th send: after the turn was
committed, before the reply was marked delivered (the worst moment to die).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import sys
from pathlib import Path

from bot.runtime import Runtime
from bot.settings.model import load_settings
from dialogs.core.types import ChannelAddress, InboundMessage, Reply

ROOT = Path(__file__).resolve().parents[1]
ADDRESS = ChannelAddress("webchat", "crash-visitor")


class FileAdapter:
    name = "webchat"

    def __init__(self, path: Path, kill_on_send: int) -> None:
        self.path = path
        self.kill_on_send = kill_on_send
        self.sends = 0

    async def send(self, address: ChannelAddress, reply: Reply, *, role: str = "bot") -> str | None:
        self.sends += 1
        if self.sends == self.kill_on_send:
            os.kill(os.getpid(), signal.SIGKILL)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(
                json.dumps({"text": reply.text, "buttons": [b.payload for b in reply.buttons]})
                + "\n"
            )
        return None


async def main(data_dir: str, outbox_file: str, kill_on_send: int, messages: list[str]) -> None:
    settings = load_settings(ROOT / "config", {"SALESBOT_DATA_DIR": data_dir})
    runtime = Runtime.create(settings)
    runtime.adapters["webchat"] = FileAdapter(Path(outbox_file), kill_on_send)
    await runtime.start()
    try:
        for text in messages:
            message_id = "m-" + hashlib.sha1(text.encode()).hexdigest()[:12]
            await runtime.hub.receive(
                InboundMessage(ADDRESS, "crash-visitor", text, None, message_id)
            )
    finally:
        await runtime.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]))
