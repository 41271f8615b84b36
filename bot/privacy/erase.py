"""The erasure service: one function behind the CLI, the API, the chat's "forget me" and
retention, so every path removes exactly the same things.

In the caller's transaction: the store forgets the person (``uow.personal_data.erase``), their
channel identities become suppression entries (keyed hashes), the erasure is audited and a
``contact.erased`` business event tells downstream systems (webhooks) to forget them too.
What cannot happen inside a database transaction is written down as a ``privacy.cleanup``
task: deleting salesbot's Slack messages about them, and, for "forget me" in the chat,
erasing the conversation's address once the confirmation has been delivered there.
``run_cleanup`` does that work; the scheduler runs the task, and the CLI and the API run it
right after their commit so the operator sees the Slack result at once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.privacy.records import PersonIds, person_ids, slack_cards_stmt, staff_messages_stmt
from bot.privacy.slack_cleanup import SlackEraser, SlackRef, SlackReport
from bot.privacy.suppression import suppress
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.models import (
    Conversation,
    Delivery,
    Direction,
    Message,
    ScheduledTask,
    TaskState,
)
from crm_store.uow import UnitOfWork

log = logging.getLogger(__name__)

CLEANUP_TASK = "privacy.cleanup"
# How long a "forget me" confirmation may wait for delivery before its address goes anyway.
ADDRESS_GRACE = timedelta(hours=24)
ADDRESS_RECHECK = timedelta(seconds=30)
SLACK_RETRY = timedelta(minutes=1)


@dataclass(frozen=True)
class ErasureResult:
    contact_id: int
    counts: Mapping[str, int]
    suppressed: int  # identities turned into suppression entries
    slack_refs: tuple[SlackRef, ...]
    cleanup_task_id: int | None


@dataclass(frozen=True)
class CustomerErasure:
    """The dialogs' ``Erasure`` port: a customer's own "forget me", suppressed with the key."""

    key: bytes | None

    async def forget(self, uow: UnitOfWork, contact_id: int, *, keep_address_of: int) -> None:
        await erase_contact(
            uow,
            contact_id,
            actor="customer",
            key=self.key,
            keep_address_of=keep_address_of,
            reason="customer",
        )


async def erase_contact(
    uow: UnitOfWork,
    contact_id: int,
    *,
    actor: str,
    key: bytes | None,
    keep_address_of: int | None = None,
    reason: str = "request",
) -> ErasureResult:
    """Erase one person in the caller's transaction (``NotFound`` for an unknown contact).

    ``key`` is the suppression key (``suppression_key(settings)``); ``None`` erases without
    suppressing, as retention does: a person whose data merely expired may come back.
    ``keep_address_of``: see ``PersonalDataRepository.erase``.
    """
    p = await person_ids(uow, contact_id)
    refs = await _slack_refs(uow, p)
    if key is not None:
        for channel, external_id in p.identities:
            await suppress(uow, channel, external_id, key)
    erased = await uow.personal_data.erase(contact_id, keep_address_of=keep_address_of)
    task_id = None
    if refs or keep_address_of is not None:
        payload: dict[str, Any] = {
            "contact_id": contact_id,
            "erased_at": uow.clock.now().isoformat(),
            "addresses": [keep_address_of] if keep_address_of is not None else [],
            "slack": [r.to_json() for r in refs],
        }
        task = await uow.tasks.schedule(CLEANUP_TASK, uow.clock.now(), payload)
        task_id = task.id
    suppressed = len(p.identities) if key is not None else 0
    await uow.audit.log(
        actor,
        "contact.erase",
        target_type="contact",
        target_id=contact_id,
        detail={
            "reason": reason,
            "identities_suppressed": suppressed,
            "slack_messages": len(refs),
            **{k: v for k, v in erased.counts.items() if v},
        },
    )
    uow.contacts.emit("contact.erased", contact_id=contact_id, reason=reason)
    log.info("contact %s erased (%s) by %s", contact_id, reason, actor)
    return ErasureResult(contact_id, dict(erased.counts), suppressed, tuple(refs), task_id)


async def _slack_refs(uow: UnitOfWork, p: PersonIds) -> list[SlackRef]:
    s = uow.session
    refs: list[SlackRef] = []
    for card in (await s.scalars(slack_cards_stmt(p))).all():
        if card.channel and card.ts:
            refs.append(SlackRef(card.channel, card.ts, thread=True))
    conversations = (
        await s.scalars(select(Conversation).where(Conversation.id.in_(p.conversation_ids)))
    ).all()
    for c in conversations:
        if c.slack_channel and c.slack_thread_ts:
            refs.append(SlackRef(c.slack_channel, c.slack_thread_ts, thread=True))
    for message in (await s.scalars(staff_messages_stmt(p))).all():
        ref = SlackRef.parse(message.platform_ref)
        if ref is not None:
            refs.append(ref)
    # A customer who talked to the bot in Slack: the bot's replies in that DM go too.
    slack_ids = [c.id for c in conversations if c.channel == "slack"]
    chats = {c.id: c.chat_id for c in conversations}
    sent = await s.execute(
        select(Message.conversation_id, Message.channel_message_id).where(
            Message.conversation_id.in_(slack_ids),
            Message.direction == Direction.OUT.value,
            Message.channel_message_id.is_not(None),
        )
    )
    for conversation_id, platform_id in sent.all():
        # The adapter records either "channel:ts" or the bare ts of the reply.
        ref = SlackRef.parse(platform_id) or SlackRef.parse(
            f"{chats[conversation_id]}:{platform_id}"
        )
        if ref is not None:
            refs.append(ref)
    return refs


@dataclass
class CleanupOutcome:
    finished: bool
    payload: dict[str, Any]  # what is left to do (the task's next payload)
    retry_at: datetime | None = None
    slack: SlackReport = field(default_factory=SlackReport)


async def run_cleanup(
    db: Database, clock: Clock, payload: Mapping[str, Any], slack: SlackEraser | None
) -> CleanupOutcome:
    """Do a ``privacy.cleanup`` task's work; safe to repeat (deleting twice is a no-op)."""
    now = clock.now()
    erased_at = datetime.fromisoformat(str(payload.get("erased_at") or now.isoformat()))
    waiting: list[int] = []
    async with UnitOfWork(db, clock) as uow:
        for conversation_id in payload.get("addresses") or []:
            if await _undelivered(uow, conversation_id) and now - erased_at < ADDRESS_GRACE:
                waiting.append(conversation_id)
                continue
            await uow.session.execute(
                update(Message)
                .where(
                    Message.conversation_id == conversation_id,
                    Message.delivery == Delivery.PENDING.value,
                )
                .values(delivery=Delivery.FAILED.value, next_attempt_at=None, last_error="erased")
            )
            await uow.personal_data.erase_address(conversation_id)
    refs = [SlackRef.from_json(r) for r in payload.get("slack") or []]
    report = SlackReport()
    if refs and slack is None:
        report.failed.append("Slack is not configured: salesbot's Slack messages stay")
        log.error("privacy cleanup: %d Slack messages cannot be removed", len(refs))
    elif refs and slack is not None:
        report = await slack.erase(refs)
    left = {**payload, "addresses": waiting, "slack": [r.to_json() for r in report.remaining]}
    if report.remaining:
        delay = timedelta(seconds=report.retry_after) if report.retry_after else SLACK_RETRY
        return CleanupOutcome(False, left, now + delay, report)
    if waiting:
        return CleanupOutcome(False, left, now + ADDRESS_RECHECK, report)
    return CleanupOutcome(True, left, None, report)


async def run_cleanup_task(
    db: Database, clock: Clock, task_id: int, slack: SlackEraser | None
) -> CleanupOutcome | None:
    """Run one pending cleanup task now (the CLI and the API, right after an erasure).

    The task is claimed by moving it to ``running`` first, so a scheduler tick at the same
    moment cannot run it twice. ``None`` if someone else already took it.
    """
    async with UnitOfWork(db, clock) as uow:
        claimed = await uow.session.execute(
            update(ScheduledTask)
            .where(ScheduledTask.id == task_id, ScheduledTask.state == TaskState.PENDING.value)
            .values(state=TaskState.RUNNING.value, attempts=ScheduledTask.attempts + 1)
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            return None
        task = await uow.session.get(ScheduledTask, task_id)
        assert task is not None
        payload = dict(task.payload)
    outcome = await run_cleanup(db, clock, payload, slack)
    async with UnitOfWork(db, clock) as uow:
        task = await uow.session.get(ScheduledTask, task_id)
        assert task is not None
        await record_outcome(uow, task, outcome)
    return outcome


async def record_outcome(uow: UnitOfWork, task: ScheduledTask, outcome: CleanupOutcome) -> None:
    """Store a cleanup outcome on its task: done, or pending again with what is left."""
    task.payload = outcome.payload
    if outcome.finished:
        if outcome.slack.failed:
            task.last_error = "; ".join(outcome.slack.failed)[:2000]
        await uow.tasks.finish(task, TaskState.DONE)
    else:
        assert outcome.retry_at is not None
        await uow.tasks.retry_later(task, outcome.retry_at, "waiting: " + _waiting(outcome))


def _waiting(outcome: CleanupOutcome) -> str:
    parts = []
    if outcome.payload.get("addresses"):
        parts.append("confirmation not yet delivered")
    if outcome.slack.remaining:
        parts.append(f"{len(outcome.slack.remaining)} Slack messages (rate limit or outage)")
    return ", ".join(parts) or "retry"


async def _undelivered(uow: UnitOfWork, conversation_id: int) -> bool:
    stmt = select(Message.id).where(
        Message.conversation_id == conversation_id,
        Message.delivery == Delivery.PENDING.value,
    )
    return (await uow.session.scalar(stmt.limit(1))) is not None
