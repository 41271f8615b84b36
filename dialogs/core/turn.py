"""One turn of a conversation: what came in, what the flows may use, what goes out.

Flows receive a ``Turn`` and add replies to it; they never send anything themselves. The
hub stores the replies in the outbox in the same transaction as the state change, and
delivers them after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from dialogs.core.events import HandoffEvent
from dialogs.core.routes import Route, Routes
from dialogs.core.state import DialogState
from dialogs.core.types import Button, InboundMessage, Reply

if TYPE_CHECKING:
    from crm_store.clock import Clock
    from crm_store.models import Contact, Conversation
    from crm_store.uow import UnitOfWork
    from dialogs.core.content import Content
    from dialogs.core.settings import EngineSettings
    from dialogs.knowledge.index import KnowledgeBase
    from dialogs.nlu import NluResult


class Erasure(Protocol):
    """Forgets a customer who asked for it (the shell's privacy service, injected)."""

    async def forget(self, uow: UnitOfWork, contact_id: int, *, keep_address_of: int) -> None:
        """Erase the contact in this transaction; keep the conversation's address only."""
        ...


@dataclass(frozen=True)
class DialogServices:
    content: Content
    settings: EngineSettings
    clock: Clock
    knowledge: KnowledgeBase
    erasure: Erasure


@dataclass
class Turn:
    text: str
    payload: str | None
    nlu: NluResult
    lang: str
    state: DialogState
    uow: UnitOfWork
    conversation: Conversation
    contact: Contact
    services: DialogServices
    inbound: InboundMessage | None = None  # None when a turn is started by an event
    replies: list[Reply] = field(default_factory=list)
    events: list[HandoffEvent] = field(default_factory=list)
    # Set by the manager before a flow runs; what a form needs to know about other flows.
    routes: Routes = field(default_factory=Routes)
    # A hand-over a flow asked for (``switch_to``); the manager starts it once the flow returns.
    switch: Route | None = field(default=None, init=False)

    @property
    def intent(self) -> str | None:
        return self.nlu.intent

    @property
    def content(self) -> Content:
        return self.services.content

    def t(self, key: str, **values: Any) -> str:
        return self.services.content.text(key, self.lang, **values)

    def button(self, key: str, payload: str) -> Button:
        return Button(self.t(key), payload)

    def say(
        self,
        text: str,
        buttons: tuple[Button, ...] | list[Button] = (),
        quick_replies: tuple[Button, ...] | list[Button] = (),
    ) -> None:
        self.replies.append(Reply(text, tuple(buttons), tuple(quick_replies)))

    def switch_to(self, flow: str, **options: Any) -> None:
        """Hand the conversation to another flow by name, started with these options once
        the current flow has returned (flows never import each other)."""
        self.switch = Route(flow, options)

    def take_switch(self) -> Route | None:
        switch, self.switch = self.switch, None
        return switch
