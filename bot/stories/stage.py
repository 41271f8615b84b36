"""Where a story runs: a fresh store and the real hub, with a recorder at the transport seam.

What every story of a run can share is built once (``Troupe``): the content, the NLU models,
the knowledge base and a migrated SQLite file. Each story then gets its own copy of that
file, its reps synced from the configuration, its own clock and its own hub (``Stage``), so
no story sees another one's contacts, leads or scheduled work.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.assembly import build_hub
from bot.handoff import InMemoryHandoff
from bot.hub import ConversationHub
from bot.runtime import upsert_reps
from bot.scheduler.events import EventConsumer
from bot.scheduler.execute import TaskRunner
from bot.scheduler.handlers import default_handlers
from bot.settings.model import Settings, load_settings
from bot.stories.recorder import RecordingAdapter
from crm_store import migrate
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import ScheduledTask, TaskState
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from dialogs.knowledge.index import KnowledgeBase
from dialogs.nlu import NluModel, NluService
from dialogs.understanding import load_understanding

# Stories talk to the hub only: no platform, mail server or webhook receiver is reached, so
# a business can run them in CI without the secrets those need.
OFFLINE = {
    "SALESBOT_CHANNELS__TELEGRAM__ENABLED": "false",
    "SALESBOT_CHANNELS__SLACK__ENABLED": "false",
    "SALESBOT_EMAIL__ENABLED": "false",
    "SALESBOT_WEBHOOKS__ENDPOINTS": "[]",
}
# Rounds of scheduled work per moment: work that produces more due work (an event that
# schedules a task due at once) settles within a few.
SETTLE_ROUNDS = 5


def story_settings(config_dir: Path, environ: Mapping[str, str]) -> Settings:
    return load_settings(config_dir, {**environ, **OFFLINE})


@dataclass(frozen=True)
class Troupe:
    """What every story of one run shares."""

    settings: Settings
    content: Content
    models: Mapping[str, NluModel]
    knowledge: KnowledgeBase
    template: Path  # a migrated SQLite store, copied for each story
    workdir: Path


async def assemble(settings: Settings, content: Content, workdir: Path) -> Troupe:
    """The business's NLU models (trained under ``<data_dir>/models`` only when the training
    data changed, as ``serve`` does: the stories test the model the bot would run) and the
    migrated template store."""
    understanding = await asyncio.to_thread(
        load_understanding,
        settings.config_dir,
        settings.data_dir / "models",
        content,
        clock=FakeClock(),  # replaced per story: each has its own clock
        timezone=settings.business.timezone,
    )
    template = workdir / "template.db"
    db = Database(_url(template))
    try:
        await migrate.upgrade(db)
    finally:
        await db.dispose()  # closing the last connection checkpoints the WAL into the file
    return Troupe(
        settings=settings,
        content=content,
        models=understanding.models,
        knowledge=KnowledgeBase(content.catalog, content.faq),
        template=template,
        workdir=workdir,
    )


@dataclass
class Stage:
    """One story's world."""

    troupe: Troupe
    clock: FakeClock
    db: Database
    hub: ConversationHub
    adapter: RecordingAdapter
    runner: TaskRunner
    events: EventConsumer

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.clock)

    async def pass_time(self, until: datetime) -> None:
        """Move the clock to ``until``, stopping at each due task on the way, so every
        reminder is sent at its own time (as a running scheduler would send it)."""
        for _ in range(10_000):  # a guard: each round moves the clock or finishes work
            due = await self._next_due()
            if due is None or due > until:
                break
            moved = due > self.clock.now()
            if moved:
                self.clock.set(due)
            if not await self.run_due() and not moved:
                break  # due but not runnable now (leased): let the clock move on
        self.clock.set(max(until, self.clock.now()))
        await self.run_due()

    async def run_due(self) -> int:
        """What a scheduler round does: act on events, then run due tasks, until quiet."""
        done = 0
        for _ in range(SETTLE_ROUNDS):
            work = await self.events.run_once()
            work += (await self.runner.run_due()).ran
            done += work
            if not work:
                break
        return done

    async def _next_due(self) -> datetime | None:
        async with self.uow() as uow:
            stmt = select(func.min(ScheduledTask.due_at)).where(
                ScheduledTask.state == TaskState.PENDING.value
            )
            return (await uow.session.execute(stmt)).scalar_one_or_none()


@asynccontextmanager
async def stage(troupe: Troupe, channel: str, start: datetime, key: str) -> AsyncIterator[Stage]:
    """A fresh store (a copy of the template), its reps synced, and the hub around it."""
    path = troupe.workdir / f"{key}.db"
    shutil.copy(troupe.template, path)
    db = Database(_url(path))
    clock = FakeClock(start)
    settings, content = troupe.settings, troupe.content
    try:
        async with UnitOfWork(db, clock) as uow:
            await upsert_reps(uow, content.reps)
        adapter = RecordingAdapter(channel)
        hub = build_hub(
            settings=settings,
            content=content,
            db=db,
            clock=clock,
            nlu=NluService(troupe.models, clock=clock, timezone=settings.business.timezone),
            adapters={channel: adapter},
            handoff=InMemoryHandoff(),
            knowledge=troupe.knowledge,
        )
        runner = TaskRunner(
            db=db,
            clock=clock,
            settings=settings,
            content=content,
            handlers=default_handlers(),
            hub=hub,
        )
        events = EventConsumer(db, clock, settings, content, settings.email)
        yield Stage(troupe, clock, db, hub, adapter, runner, events)
    finally:
        await db.dispose()
        for leftover in path.parent.glob(f"{path.name}*"):
            leftover.unlink(missing_ok=True)


def _url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"
