"""Everything one salesbot process owns, created once and passed explicitly (no globals)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from bot.handoff import HandoffService, InMemoryHandoff
from bot.hub import ConversationHub
from bot.metrics import Metrics
from bot.settings.model import Settings
from bot.staff import StaffChannel
from channels.base import ChannelAdapter
from crm_store import migrate
from crm_store.clock import Clock, SystemClock
from crm_store.database import Database
from crm_store.models import Rep
from crm_store.uow import UnitOfWork
from dialogs.core.config import ConfigError
from dialogs.core.content import Content, RepConfig, Reps, load_content
from dialogs.core.locks import ConversationLocks, InMemoryLocks

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    content: Content
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    adapters: dict[str, ChannelAdapter] = field(default_factory=dict)
    handoff: HandoffService = field(default_factory=InMemoryHandoff)
    locks: ConversationLocks = field(default_factory=InMemoryLocks)
    # Where messages to reps and managers go (Slack when configured); None keeps them
    # pending in the staff outbox.
    staff: StaffChannel | None = None
    metrics: Metrics = field(default_factory=Metrics)
    _hub: ConversationHub | None = None

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        require_business_name(settings)
        content = load_content(settings.config_dir, settings.business.name)
        db = Database(
            settings.database_url,
            echo=settings.database.echo,
            pool_size=settings.database.pool_size,
        )
        return cls(
            settings=settings,
            content=content,
            db=db,
            clock=clock or SystemClock(),
            locks=make_locks(settings),
        )

    @property
    def hub(self) -> ConversationHub:
        if self._hub is None:
            raise RuntimeError("Runtime.start() has not run yet")
        return self._hub

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.clock)

    async def start(self) -> None:
        # The embedded SQLite file belongs to this one process, so it may migrate itself;
        # a shared PostgreSQL is migrated deliberately with `salesbot db upgrade`.
        await migrate.ensure_schema(self.db, auto_upgrade=self.settings.is_embedded_database)
        await self.sync_reps()
        self._hub = await asyncio.to_thread(self._build_hub)
        # Replies committed before a crash or restart go out now.
        delivered = await self._hub.outbox.deliver_due()
        if delivered:
            log.info("delivered %d replies left in the outbox", delivered)
        log.info("salesbot started with %r", self.db)

    def _build_hub(self) -> ConversationHub:
        from bot.assembly import build_hub
        from dialogs.understanding import load_understanding

        understanding = load_understanding(
            self.settings.config_dir,
            self.settings.data_dir / "models",
            self.content,
            clock=self.clock,
            timezone=self.settings.business.timezone,
        )
        return build_hub(
            settings=self.settings,
            content=self.content,
            db=self.db,
            clock=self.clock,
            nlu=understanding,
            adapters=self.adapters,
            handoff=self.handoff,
            locks=self.locks,
            metrics=self.metrics,
        )

    async def sync_reps(self) -> None:
        """Make the reps in config/reps.yaml exist in the store (by e-mail; repeatable)."""
        async with self.uow() as uow:
            await upsert_reps(uow, self.content.reps)

    async def stop(self) -> None:
        close = getattr(self.locks, "close", None)
        if close is not None:
            await close()
        await self.db.dispose()


async def upsert_reps(uow: UnitOfWork, reps: Reps) -> None:
    for rep in reps.reps:
        await upsert_rep(uow, rep)


async def upsert_rep(uow: UnitOfWork, rep: RepConfig) -> Rep:
    """Create or update the rep with this e-mail (config/reps.yaml and `salesbot reps add`)."""
    return await uow.reps.upsert(
        name=rep.name,
        email=rep.email,
        timezone=rep.timezone,
        slack_user_id=rep.slack_user_id,
        working_hours={d: list(s) for d, s in rep.working_hours.items()},
        languages=list(rep.languages),
    )


def require_business_name(settings: Settings) -> None:
    """Refuse to serve without a business name: customers would see an empty one in e-mail
    and on the demo page, and no neutral default would be right for every business."""
    if not settings.business.name:
        raise ConfigError(
            str(settings.config_dir / "settings.yaml"),
            "business.name",
            "missing: the name customers see (add e.g. `business: {name: Acme Ltd}`)",
        )


def make_locks(settings: Settings) -> ConversationLocks:
    cfg = settings.locks
    if cfg.backend == "memory":
        return InMemoryLocks(timeout=cfg.wait_seconds)
    try:
        from bot.redis_locks import RedisLocks

        return RedisLocks(cfg.redis_url, timeout=cfg.wait_seconds)
    except ImportError:
        raise ConfigError(
            "locks.backend", "", "redis needs the redis extra: pip install 'salesbot[redis]'"
        ) from None
