"""What a task handler gets, and the registry of handlers by task kind.

A handler is a plain ``async def handler(ctx, task)``. By default it runs inside the task's
own transaction (``ctx.uow``): the rows it writes (customer replies in the messages outbox,
``StaffMessage``, ``EmailMessage``) commit together with the task being marked done, so a
crash can neither lose the work nor do it twice. Handlers that must call something with
transactions of its own (``hub.trigger``) are marked ``@outside_transaction``: the task is
leased instead, and such a handler must be idempotent (it may run again after a crash).

Others add handlers with ``register(handlers, "kind", fn)``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from bot.settings.scheduler import EmailSettings, SchedulerSettings

if TYPE_CHECKING:
    from bot.hub import ConversationHub
    from bot.settings.model import Settings
    from crm_store.clock import Clock
    from crm_store.database import Database
    from crm_store.models import ScheduledTask
    from crm_store.uow import UnitOfWork
    from dialogs.core.content import Content

TaskHandler = Callable[["TaskContext", "ScheduledTask"], Awaitable[None]]
TaskHandlers = dict[str, TaskHandler]
F = TypeVar("F", bound=Callable[..., Any])


def outside_transaction(handler: F) -> F:
    """Mark a handler that opens its own transactions (``ctx.transaction()``)."""
    handler.outside_transaction = True  # type: ignore[attr-defined]
    return handler


def runs_outside_transaction(handler: TaskHandler) -> bool:
    return bool(getattr(handler, "outside_transaction", False))


def register(handlers: TaskHandlers, kind: str, handler: TaskHandler) -> TaskHandlers:
    """Add (or replace) the handler of a task kind; returns the registry for chaining."""
    handlers[kind] = handler
    return handlers


@dataclass
class TaskContext:
    db: Database
    clock: Clock
    settings: Settings
    content: Content
    now: datetime
    config: SchedulerSettings = field(default_factory=SchedulerSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    hub: ConversationHub | None = None
    task_uow: UnitOfWork | None = None
    # Filled by handlers, acted on by the runner after the commit.
    conversations: set[int] = field(default_factory=set)
    retry_at: datetime | None = None
    retry_reason: str = ""

    @property
    def uow(self) -> UnitOfWork:
        if self.task_uow is None:
            raise RuntimeError("this handler runs outside the task's transaction")
        return self.task_uow

    def transaction(self) -> UnitOfWork:
        """A fresh unit of work (for ``@outside_transaction`` handlers)."""
        from crm_store.uow import UnitOfWork

        return UnitOfWork(self.db, self.clock)

    def deliver(self, conversation_id: int) -> None:
        """Send this conversation's outbox right after the commit."""
        self.conversations.add(conversation_id)

    def retry(self, at: datetime, reason: str) -> None:
        """Run the task again at ``at`` instead of marking it done."""
        self.retry_at, self.retry_reason = at, reason
