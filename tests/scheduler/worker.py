"""A salesbot scheduler process for crash and multi-worker tests.

    python -m tests.scheduler.worker '<json options>'

Options: ``db_url``, ``schema`` (PostgreSQL search_path), ``now`` (ISO time of its FakeClock),
``out`` (a file every customer and staff send is appended to as a JSON line), ``mode``:

- ``run``: start the scheduler as the app does (deliver the outbox left by a previous run,
  start APScheduler, wait for the start-up round), then stop.
- ``kill_in_send``: like ``run``, but SIGKILL itself inside the first customer send, after
  the task's transaction committed and before the message was marked delivered.
- ``kill_before_commit``: SIGKILL itself inside the reminder task, after its handler wrote
  the outbox rows and before the transaction committed.
- ``race``: wait at a barrier (``ready``/``go`` files), then run due tasks until none is
  left, appending "<task id> <pid>" to ``out`` each time a handler starts.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.outbox import Outbox
from bot.scheduler.execute import TaskRunner
from bot.scheduler.handlers import default_handlers
from bot.scheduler.runner import Scheduler
from bot.scheduler.staff_outbox import StaffOutbox
from bot.settings.model import load_settings
from bot.settings.scheduler import EmailSettings, SchedulerSettings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models.ops import StaffMessage
from dialogs.core.content import load_content
from dialogs.core.types import ChannelAddress, Reply

ROOT = Path(__file__).resolve().parents[2]


def append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.write(line + "\n")


class FileAdapter:
    name = "webchat"

    def __init__(self, path: Path, kill_on_send: bool) -> None:
        self.path = path
        self.kill_on_send = kill_on_send

    async def send(self, address: ChannelAddress, reply: Reply, *, role: str = "bot") -> str | None:
        if self.kill_on_send:
            os.kill(os.getpid(), signal.SIGKILL)
        append(self.path, json.dumps({"to": "customer", "text": reply.text}))
        return None


class FileStaff:
    def __init__(self, path: Path) -> None:
        self.path = path

    async def deliver(self, message: StaffMessage) -> str | None:
        append(self.path, json.dumps({"to": message.target, "text": message.text}))
        return f"file:{message.id}"


def database(options: dict[str, Any]) -> Database:
    if options.get("schema"):
        connect_args = {"server_settings": {"search_path": options["schema"]}}
        return Database(options["db_url"], connect_args=connect_args)
    return Database(options["db_url"])


async def main(options: dict[str, Any]) -> None:
    mode, out = options["mode"], Path(options["out"])
    settings = load_settings(ROOT / "config", {"SALESBOT_DATA_DIR": options["data_dir"]})
    content = load_content(ROOT / "config")
    db = database(options)
    clock = FakeClock(datetime.fromisoformat(options["now"]))
    config = SchedulerSettings(poll_interval_seconds=3600)
    handlers = default_handlers(recurring=False)
    real = handlers["followup.reminder"]

    async def killing(ctx: Any, task: Any) -> None:
        await real(ctx, task)
        await ctx.uow.session.flush()  # the rows are written, the commit is not
        os.kill(os.getpid(), signal.SIGKILL)

    async def recording(ctx: Any, task: Any) -> None:
        append(out, f"{task.id} {os.getpid()}")
        await real(ctx, task)
        await asyncio.sleep(0.002)  # hold the row lock a little, so the workers overlap

    if mode == "kill_before_commit":
        handlers["followup.reminder"] = killing
    elif mode == "race":
        handlers["followup.reminder"] = recording
    outbox = Outbox(db, clock, {"webchat": FileAdapter(out, mode == "kill_in_send")})
    runner = TaskRunner(
        db=db,
        clock=clock,
        settings=settings,
        content=content,
        handlers=handlers,
        outbox=None if mode == "race" else outbox,  # race: the log holds only task runs
        config=config,
        email=EmailSettings(),
    )
    try:
        if mode == "race":
            while (await runner.run_due()).ran:
                pass
            return
        staff = StaffOutbox(db, clock, FileStaff(out))
        await outbox.deliver_due()  # as Runtime.start: replies left by a crash go out first
        scheduler = Scheduler(runner, staff=staff, config=config)
        await scheduler.start()
        await scheduler.wait_rounds(1, within=60)
        await scheduler.stop()
    finally:
        await db.dispose()


def barrier(options: dict[str, Any]) -> None:
    """Both racers are imported and ready before either starts (plain polling: two processes
    share no event loop)."""
    Path(options["ready"]).write_text("ready")
    while not Path(options["go"]).exists():
        time.sleep(0.01)


if __name__ == "__main__":
    parsed = json.loads(sys.argv[1])
    if parsed["mode"] == "race":
        barrier(parsed)
    asyncio.run(main(parsed))
