"""Shared fixtures: a migrated store on every backend, a fake clock.

Every store test runs against SQLite and PostgreSQL. PostgreSQL tests use a schema of their
own (created and migrated once per run, emptied before each test), so runs can share the
database ``test`` without seeing each other. Without a reachable PostgreSQL the PostgreSQL
half is skipped locally but fails under CI (``CI=true``), where it must run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.assembly import build_hub
from bot.handoff import InMemoryHandoff
from bot.hub import ConversationHub
from bot.runtime import upsert_reps
from bot.settings.model import Settings, load_settings
from crm_store import migrate
from crm_store.clock import FakeClock, SystemClock
from crm_store.database import Database
from crm_store.models import Base
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content, load_content
from dialogs.nlu import NluService
from dialogs.understanding import load_understanding
from tests.driver import Chat, RecordingAdapter

PG_URL = os.environ.get("SALESBOT_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


def pg_database(schema: str, **kwargs: object) -> Database:
    connect_args = {"server_settings": {"search_path": schema}}
    return Database(PG_URL, connect_args=connect_args, **kwargs)


async def _pg_reachable() -> str | None:
    db = Database(PG_URL)
    try:
        async with db.engine.connect() as conn:
            await conn.execute(text("select 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}"
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    problem = asyncio.run(_pg_reachable())
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_URL} is required under CI: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {problem}")
    schema = f"salesbot_test_{uuid.uuid4().hex[:10]}"

    async def create() -> None:
        admin = Database(PG_URL)
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await admin.dispose()
        db = pg_database(schema)
        await migrate.upgrade(db)
        await db.dispose()

    async def drop() -> None:
        admin = Database(PG_URL)
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()

    asyncio.run(create())
    yield schema
    asyncio.run(drop())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied per test: migrating each time would be slow."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def create() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(db)
        await db.dispose()  # closing the last connection checkpoints the WAL into the file

    asyncio.run(create())
    return path


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_factory(backend: str, request: pytest.FixtureRequest, tmp_path: Path):  # noqa: ANN201
    """Builds a Database on a fresh, migrated store (sync, so session fixtures can run)."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "salesbot.db"
        shutil.copy(template, path)
        return lambda **kw: Database(f"sqlite+aiosqlite:///{path}", **kw)
    schema = request.getfixturevalue("pg_schema")
    return lambda **kw: pg_database(schema, **kw)


@pytest.fixture
async def db(backend: str, db_factory) -> AsyncIterator[Database]:  # noqa: ANN001
    database = db_factory()
    if backend == "postgresql":
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with database.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield database
    await database.dispose()


# Conversation fixtures: the real hub on the demo business.

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config"
# Monday 2 March 2026, 15:00 UTC: 10:00 in New York, 16:00 in Berlin, 23:00 in Shanghai.
MONDAY_AFTERNOON = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(CONFIG)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("data")
    return load_settings(CONFIG, {"SALESBOT_DATA_DIR": str(data_dir)})


@pytest.fixture(scope="session")
def understanding(settings: Settings, content: Content) -> NluService:
    # Trained once per run on the demo data (seconds), then shared by every test; the hub
    # fixture rebinds the models to each test's fake clock.
    return load_understanding(
        CONFIG, settings.data_dir / "models", content, clock=SystemClock(), timezone="UTC"
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_AFTERNOON)


@pytest.fixture
def handoff() -> InMemoryHandoff:
    return InMemoryHandoff()


@pytest.fixture
def adapters() -> dict[str, RecordingAdapter]:
    return {name: RecordingAdapter(name) for name in ("webchat", "telegram", "slack")}


@pytest.fixture
async def seeded_db(db: Database, clock: FakeClock, content: Content) -> Database:
    """The store with the demo reps from config/reps.yaml, as `serve` syncs them."""
    async with UnitOfWork(db, clock) as uow:
        await upsert_reps(uow, content.reps)
    return db


@pytest.fixture
def hub(
    seeded_db: Database,
    clock: FakeClock,
    settings: Settings,
    content: Content,
    understanding: NluService,
    adapters: dict[str, RecordingAdapter],
    handoff: InMemoryHandoff,
) -> ConversationHub:
    return demo_hub(seeded_db, clock, settings, content, understanding, adapters, handoff)


def demo_hub(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    content: Content,
    understanding: NluService,
    adapters: dict[str, RecordingAdapter],
    handoff: InMemoryHandoff,
) -> ConversationHub:
    """The hub of the ``hub`` fixture; tests that change the content build theirs with it."""
    return build_hub(
        settings=settings,
        content=content,
        db=db,
        clock=clock,
        nlu=NluService(understanding.models, clock=clock, timezone=understanding.timezone),
        adapters=adapters,
        handoff=handoff,
    )


@pytest.fixture
def new_chat(hub: ConversationHub, adapters: dict[str, RecordingAdapter]) -> Callable[..., Chat]:
    def make(
        channel: str = "webchat", chat_id: str = "chat-1", user_id: str | None = None, **kw: object
    ) -> Chat:
        return Chat(hub, adapters[channel], chat_id=chat_id, user_id=user_id or chat_id, **kw)  # type: ignore[arg-type]

    return make


@pytest.fixture
def chat(new_chat: Callable[..., Chat]) -> Chat:
    return new_chat()
