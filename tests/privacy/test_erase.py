"""Erasure: afterwards no table holds the person, and Slack no longer shows them."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.hub import ConversationHub
from bot.privacy.erase import erase_contact, run_cleanup_task
from bot.privacy.slack_cleanup import SlackEraser
from bot.privacy.suppression import suppression_key
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import Lead, Message, ScheduledTask, SurveyResponse, TaskState
from crm_store.models.ops import EmailMessage, SlackCard, StaffMessage, Suppression
from crm_store.uow import UnitOfWork
from tests.driver import RecordingAdapter
from tests.privacy.fake_slack import FakeSlack
from tests.privacy.support import REP_DM, SALES, find_identifiers, jo_everywhere


async def test_erasure_leaves_no_identifier_in_any_table_and_deletes_slack_posts(
    hub: ConversationHub,
    adapters: dict[str, RecordingAdapter],
    db: Database,
    clock: FakeClock,
    slack: FakeSlack,
    eraser: SlackEraser,
    settings: Settings,
) -> None:
    jo = await jo_everywhere(hub, adapters, db, clock, slack)
    assert await find_identifiers(db), "the search finds Jo before the erasure"
    messages_before = await _count(db, clock, Message.id)
    jo_texts_in_slack = [t for t in slack.texts() if "Jo Miller" in t]
    assert len(jo_texts_in_slack) >= 4  # two cards, the relayed message, the rep's reminder

    async with UnitOfWork(db, clock) as uow:
        result = await erase_contact(
            uow, jo.contact_id, actor="token:1", key=suppression_key(settings), reason="api"
        )
    assert result.suppressed == 3
    assert result.cleanup_task_id is not None
    outcome = await run_cleanup_task(db, clock, result.cleanup_task_id, eraser)
    assert outcome is not None and outcome.finished

    assert await find_identifiers(db) == []
    # Slack: salesbot's cards, its relay of the customer's message and the rep's reminder are
    # deleted; the rep's own reply stays (a bot token cannot delete it) and is reported.
    deleted = {(c["channel"], c["ts"]) for c in slack.called("chat.delete")}
    assert {ch for ch, _ in deleted} == {SALES, REP_DM}
    assert [t for t in slack.texts() if "Jo" in t] == ["On it, calling Jo now"]
    assert outcome.slack.left_to_reps == 1 and outcome.slack.failed == []

    # Aggregates stay: message counts, the lead, survey scores (anonymised).
    assert await _count(db, clock, Message.id) == messages_before
    async with UnitOfWork(db, clock) as uow:
        s = uow.session
        assert (await s.scalar(select(Lead.status))) == "qualified"
        scores = dict((await s.execute(select(SurveyResponse.kind, SurveyResponse.score))).all())
        assert scores == {"csat": 5, "nps": 9, "comment": None}
        pending = await s.scalar(
            select(func.count()).where(ScheduledTask.state == TaskState.PENDING.value)
        )
        assert pending == 0, "reminders, survey and cleanup tasks are all gone or done"
        assert (
            await s.scalar(select(EmailMessage.state).where(EmailMessage.kind == "reminder"))
        ) == "cancelled"
        assert (await s.scalar(select(StaffMessage.text))) == "[erased]"
        assert await s.scalar(select(func.count(Suppression.id))) == 3
        cards = (await s.execute(select(SlackCard.status, SlackCard.ts))).all()
        # Closed, or the Slack desk would post them again at its next start.
        assert len(cards) == 2 and all(st == "resolved" and ts is None for st, ts in cards)
        entry = (await uow.audit.recent(1))[0]
        assert (entry.actor, entry.action, entry.target_id) == (
            "token:1",
            "contact.erase",
            str(jo.contact_id),
        )
        events = await uow.events.after(0, 1000)
        assert events[-1].type == "contact.erased"


async def test_erasing_twice_is_harmless(
    hub: ConversationHub,
    adapters: dict[str, RecordingAdapter],
    db: Database,
    clock: FakeClock,
    slack: FakeSlack,
    eraser: SlackEraser,
    settings: Settings,
) -> None:
    jo = await jo_everywhere(hub, adapters, db, clock, slack)
    key = suppression_key(settings)
    for _ in range(2):
        async with UnitOfWork(db, clock) as uow:
            result = await erase_contact(uow, jo.contact_id, actor="cli", key=key)
        if result.cleanup_task_id is not None:
            await run_cleanup_task(db, clock, result.cleanup_task_id, eraser)
    assert result.suppressed == 0 and result.slack_refs == ()
    assert await find_identifiers(db) == []


async def _count(db: Database, clock: FakeClock, column: object) -> int:
    async with UnitOfWork(db, clock) as uow:
        return int(await uow.session.scalar(select(func.count(column))) or 0)  # type: ignore[arg-type]
