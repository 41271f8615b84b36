"""Wiring: builds the hub and its collaborators from settings, content and a store."""

from __future__ import annotations

from collections.abc import Mapping

from bot.handoff import HandoffService, InMemoryHandoff
from bot.hub import ConversationHub, Understanding
from bot.metrics import Metrics
from bot.outbox import Outbox
from bot.privacy.erase import CustomerErasure
from bot.privacy.suppression import suppression_key
from bot.settings.model import Settings
from channels.base import ChannelAdapter
from crm_store.clock import Clock
from crm_store.database import Database
from dialogs.core.content import Content
from dialogs.core.locks import ConversationLocks, InMemoryLocks
from dialogs.core.turn import DialogServices
from dialogs.knowledge.index import KnowledgeBase
from dialogs.manager import DialogManager
from dialogs.registry import FlowRegistry


def build_hub(
    *,
    settings: Settings,
    content: Content,
    db: Database,
    clock: Clock,
    nlu: Understanding,
    adapters: Mapping[str, ChannelAdapter],
    handoff: HandoffService | None = None,
    locks: ConversationLocks | None = None,
    metrics: Metrics | None = None,
    knowledge: KnowledgeBase | None = None,
) -> ConversationHub:
    locks = locks or InMemoryLocks()
    services = DialogServices(
        content=content,
        settings=settings,
        clock=clock,
        # Built from the content unless given: story runs share one across many hubs.
        knowledge=knowledge or KnowledgeBase(content.catalog, content.faq),
        erasure=CustomerErasure(suppression_key(settings)),
    )
    return ConversationHub(
        db=db,
        clock=clock,
        manager=dialog_manager(content),
        nlu=nlu,
        services=services,
        handoff=handoff or InMemoryHandoff(),
        outbox=Outbox(db, clock, adapters, locks, metrics),
        locks=locks,
        metrics=metrics,
    )


def dialog_manager(content: Content | None = None) -> DialogManager:
    """The flows this installation runs, routed by the built-in specs overridden by the
    business's ``intents.yaml`` (``salesbot check`` reads these routes too)."""
    flows = FlowRegistry.builtin()
    flows.load_entry_points()  # flows other installed packages add (group salesbot.flows)
    manager = DialogManager(flows)
    if content is None or not content.behaviours.routes:
        return manager
    unknown = content.behaviours.unknown_flows(manager.flows)
    if unknown:
        raise unknown[0]  # a ConfigError: the bot refuses to start, naming the file and key
    return manager.with_routes(manager.routes.overridden(intents=content.behaviours.routes))
