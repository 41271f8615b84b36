"""Removing salesbot's Slack messages: retries, fallbacks, and the scheduler's task."""

from __future__ import annotations

from sqlalchemy import select

from bot.privacy.erase import CLEANUP_TASK, erase_contact
from bot.privacy.slack_cleanup import REDACTED_TEXT, SlackEraser, SlackRef
from bot.scheduler.execute import TaskRunner
from bot.scheduler.handlers.privacy import cleanup_handler
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import ScheduledTask, TaskState
from crm_store.models.ops import SlackCard
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from tests.privacy.fake_slack import FakeSlack
from tests.privacy.support import SALES


async def test_thread_replies_go_first_and_undeletable_messages_are_overwritten(
    slack: FakeSlack, eraser: SlackEraser
) -> None:
    root = slack.post(SALES, "Handoff: Jo Miller")
    relayed = slack.post(SALES, "Jo: my number is 617", thread_ts=root)
    slack.post(SALES, "rep: on it", thread_ts=root, user="U0REP")
    retained = slack.post(SALES, "Lead card: Jo Miller")
    slack.fail("chat.delete", "cant_delete_message")  # e.g. a workspace retention policy
    report = await eraser.erase(
        [
            SlackRef(SALES, retained),
            SlackRef(SALES, root, thread=True),
            SlackRef(SALES, root),  # the same root again (card and thread): once
            SlackRef("C0GONE", "1772463600.000009"),
        ]
    )
    assert (report.deleted, report.redacted, report.left_to_reps) == (2, 1, 1)
    assert report.already_gone == 1 and report.failed == []  # someone deleted it by hand
    deletes = [c["ts"] for c in slack.called("chat.delete")]
    assert deletes.index(relayed) < deletes.index(root)
    assert sorted(slack.texts()) == sorted([REDACTED_TEXT, "rep: on it"])


async def test_rate_limit_and_outage_leave_the_rest_for_later(
    slack: FakeSlack, eraser: SlackEraser
) -> None:
    first, second = slack.post(SALES, "one"), slack.post(SALES, "two")
    slack.fail("chat.delete", "ratelimited", status=429, **{"Retry-After": "7"})
    report = await eraser.erase([SlackRef(SALES, first), SlackRef(SALES, second)])
    assert report.retry_after == 7 and [r.ts for r in report.remaining] == [first, second]
    assert len(slack.texts()) == 2
    again = await eraser.erase(report.remaining)
    assert again.deleted == 2 and not again.remaining and slack.texts() == []


def test_only_slack_shaped_refs_are_parsed() -> None:
    assert SlackRef.parse("C0SALES:1772463600.000100") == SlackRef("C0SALES", "1772463600.000100")
    for other in ("memory:12", "erased:46", "webchat-1", None, "C0SALES:abc", "x:1.2:3"):
        assert SlackRef.parse(other) is None


async def test_the_scheduler_runs_the_cleanup_and_retries_after_a_429(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    content: Content,
    slack: FakeSlack,
    eraser: SlackEraser,
) -> None:
    card_ts = slack.post(SALES, "Lead: Jo Miller")
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.get_or_create_for_identity("telegram", "735009921")
        lead = await uow.leads.create(contact.id, source_channel="telegram")
        now = clock.now()
        uow.session.add(
            SlackCard(
                kind="lead",
                lead_id=lead.id,
                channel=SALES,
                ts=card_ts,
                created_at=now,
                updated_at=now,
            )
        )
        await uow.session.flush()
        await erase_contact(uow, contact.id, actor="cli", key=b"k" * 32)
    runner = TaskRunner(
        db=db,
        clock=clock,
        settings=settings,
        content=content,
        handlers={CLEANUP_TASK: cleanup_handler(lambda _: eraser)},
    )
    slack.fail("chat.delete", "ratelimited", status=429, **{"Retry-After": "30"})
    first = await runner.run_due()
    assert (first.kinds, first.retried) == ([CLEANUP_TASK], 1)
    assert slack.texts() == ["Lead: Jo Miller"]
    clock.advance(seconds=31)
    second = await runner.run_due()
    assert second.done == 1 and slack.texts() == []
    async with UnitOfWork(db, clock) as uow:
        task = (await uow.session.scalars(select(ScheduledTask))).one()
        assert task.state == TaskState.DONE.value and task.payload["slack"] == []
