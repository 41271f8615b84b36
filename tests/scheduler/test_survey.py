"""After the call: the rep's outcome, the customer's survey, its reminder and expiry, and
the detractor alert, end to end through the real hub and survey flow (#7).

The call ends on Tuesday 3 March 2026, 15:30 UTC; the rep clicks "done" then. The survey is
dispatched an hour later, reminded after 24 h, expired after 72 h.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.followup_outcome import record_outcome
from bot.hub import ConversationHub
from bot.scheduler.schedule import schedule_survey
from bot.settings.scheduler import EmailSettings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import Conversation, ConversationStatus, FollowUp, Lead, SurveyRequest
from crm_store.uow import UnitOfWork
from tests.driver import Chat, RecordingAdapter
from tests.scheduler.support import (
    DANIEL,
    Booked,
    book_call,
    consumer,
    email_rows,
    make_runner,
    staff_outbox,
    tasks,
)

START = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
END = START + timedelta(minutes=30)


async def booked_call(db: Database, clock: FakeClock, **kw: object) -> Booked:
    return await book_call(
        db,
        clock,
        rep_id=DANIEL,
        starts_at=START,
        zone="America/New_York",
        **kw,  # type: ignore[arg-type]
    )


async def outcome(db: Database, clock: FakeClock, settings, booked: Booked, what: str) -> str:  # noqa: ANN001
    async with UnitOfWork(db, clock) as uow:
        recorded = await record_outcome(
            uow, booked.follow_up_id, what, clock=clock, settings=settings
        )
    return recorded.said


async def row(db: Database, clock: FakeClock, model: type, id_: int):  # noqa: ANN201
    async with UnitOfWork(db, clock) as uow:
        return await uow.session.get(model, id_)


async def requests(db: Database, clock: FakeClock) -> list[SurveyRequest]:
    async with UnitOfWork(db, clock) as uow:
        return list((await uow.session.scalars(select(SurveyRequest))).all())


async def test_done_then_survey_reminder_answers_and_detractor_alert(
    hub: ConversationHub,
    seeded_db: Database,
    clock: FakeClock,
    settings,  # noqa: ANN001
    content,  # noqa: ANN001
    adapters: dict[str, RecordingAdapter],
) -> None:
    db, webchat = seeded_db, adapters["webchat"]
    booked = await booked_call(db, clock)
    runner = make_runner(db, clock, settings, content, hub=hub)
    staff, channel = staff_outbox(db, clock)
    events = consumer(db, clock, settings, content)
    await events.run_once()
    clock.set(END)

    said = await outcome(db, clock, settings, booked, "done")
    assert said.startswith("Marked as done") and "60 min" in said
    assert (await row(db, clock, FollowUp, booked.follow_up_id)).status == "done"
    assert (await row(db, clock, Lead, booked.lead_id)).status == "meeting_booked"
    again = await outcome(db, clock, settings, booked, "done")
    assert again == "Already recorded: this call is done."
    [dispatch] = await tasks(db, clock, "survey.dispatch")
    assert dispatch.due_at == END + timedelta(minutes=60)
    assert (
        dispatch.dedupe_key == f"contact:{booked.contact_id}:survey:followup:{booked.follow_up_id}"
    )
    # The rep already answered: the check at the call's end is cancelled, not asked.
    assert {t.state for t in await tasks(db, clock, "followup.check")} == {"cancelled"}

    clock.advance(minutes=59)
    assert (await runner.run_due()).ran == 0
    clock.advance(minutes=1)
    assert (await runner.run_due()).kinds == ["survey.dispatch"]
    [question] = webchat.sent
    assert question.reply.text == content.survey.questions[0].prompt.get("en")
    [request] = await requests(db, clock)
    assert (request.trigger, request.trigger_ref, request.status) == (
        "followup", f"followup:{booked.follow_up_id}", "sent"
    )  # fmt: skip
    follow_ups = {t.kind: t.due_at for t in await tasks(db, clock) if t.state == "pending"}
    assert follow_ups == {
        "survey.reminder": request.sent_at + timedelta(hours=24),
        "survey.expire": request.sent_at + timedelta(hours=72),
    }

    clock.advance(hours=24)
    assert (await runner.run_due()).kinds == ["survey.reminder"]
    reminder = webchat.sent[-1].reply
    assert reminder.text.startswith("A quick reminder")
    assert [b.payload for b in reminder.buttons] == [f"survey:csat:{i}" for i in range(1, 6)]

    chat = Chat(hub, webchat, chat_id="visitor-1", user_id="visitor-1")
    await chat.click("survey:csat:2")
    await chat.click("survey:nps:3")
    await chat.say("The installation help was far too slow")
    await events.run_once()
    await staff.deliver_due()
    [alert] = channel.sent
    assert (alert.target, alert.kind) == ("managers", "detractor")
    assert "CSAT 2/5" in alert.text and "NPS 3/10" in alert.text
    assert "far too slow" in alert.text
    assert alert.content["conversation_id"] == booked.conversation_id
    assert alert.content["url"].endswith(f"/admin/conversations/{booked.conversation_id}")

    clock.advance(hours=48)
    await runner.run_due()  # the expiry finds the survey answered and leaves it so
    assert [r.status for r in await requests(db, clock)] == ["answered"]
    await events.run_once()
    await staff.deliver_due()
    assert len(channel.sent) == 1  # one alert, however often the events are read


async def test_an_unanswered_survey_expires(
    hub: ConversationHub,
    seeded_db: Database,
    clock: FakeClock,
    settings,  # noqa: ANN001
    content,  # noqa: ANN001
    adapters: dict[str, RecordingAdapter],
) -> None:
    booked = await booked_call(seeded_db, clock)
    runner = make_runner(seeded_db, clock, settings, content, hub=hub)
    clock.set(END)
    await outcome(seeded_db, clock, settings, booked, "done")
    clock.advance(hours=1)
    await runner.run_due()
    clock.advance(hours=72)
    assert sorted((await runner.run_due()).kinds) == ["survey.expire", "survey.reminder"]
    [request] = await requests(seeded_db, clock)
    assert request.status == "expired"
    conversation = await row(seeded_db, clock, Conversation, booked.conversation_id)
    assert conversation.state.get("flow") is None  # a late "5" is no survey answer any more


async def test_no_survey_for_a_contact_who_opted_out(
    hub: ConversationHub,
    seeded_db: Database,
    clock: FakeClock,
    settings,  # noqa: ANN001
    content,  # noqa: ANN001
    adapters: dict[str, RecordingAdapter],
) -> None:
    booked = await booked_call(seeded_db, clock)
    runner = make_runner(seeded_db, clock, settings, content, hub=hub)
    clock.set(END)
    await outcome(seeded_db, clock, settings, booked, "done")
    async with UnitOfWork(seeded_db, clock) as uow:
        contact = await uow.contacts.get(booked.contact_id)
        await uow.contacts.update(contact, marketing_opt_out=True)
    clock.advance(hours=1)
    assert (await runner.run_due()).done == 1
    assert adapters["webchat"].sent == [] and await requests(seeded_db, clock) == []


async def test_a_survey_waits_while_a_rep_has_the_conversation_and_is_sent_once(
    hub: ConversationHub,
    seeded_db: Database,
    clock: FakeClock,
    settings,  # noqa: ANN001
    content,  # noqa: ANN001
    adapters: dict[str, RecordingAdapter],
) -> None:
    db = seeded_db
    booked = await booked_call(db, clock)
    runner = make_runner(db, clock, settings, content, hub=hub)
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.get(booked.conversation_id)
        await uow.conversations.set_status(conversation, ConversationStatus.HANDOFF)
        for _ in range(2):  # scheduling twice for one trigger schedules once
            await schedule_survey(
                uow,
                contact_id=booked.contact_id,
                conversation_id=booked.conversation_id,
                trigger="handoff",
                trigger_ref="handoff:7",
                due_at=clock.now(),
            )
    result = await runner.run_due()
    assert (result.kinds, result.retried) == (["survey.dispatch"], 1)
    [task] = await tasks(db, clock, "survey.dispatch")
    assert (task.state, task.due_at) == ("pending", clock.now() + timedelta(minutes=30))
    assert [r.status for r in await requests(db, clock)] == ["pending"]
    assert adapters["webchat"].sent == []

    async with UnitOfWork(db, clock) as uow:  # the rep hands the conversation back
        conversation = await uow.conversations.get(booked.conversation_id)
        await uow.conversations.set_status(conversation, ConversationStatus.BOT)
    clock.advance(minutes=30)
    assert (await runner.run_due()).done == 1
    assert len(adapters["webchat"].sent) == 1
    async with UnitOfWork(db, clock) as uow:  # an operator re-runs it: nothing is sent twice
        task = await uow.session.get(type(task), task.id)
        task.state, task.due_at = "pending", clock.now()
    await runner.run_due()
    assert len(adapters["webchat"].sent) == 1


@pytest.mark.parametrize("what", ["no_show", "reschedule"])
async def test_no_show_and_reschedule_offer_the_customer_a_new_time(
    hub: ConversationHub,
    seeded_db: Database,
    clock: FakeClock,
    settings,  # noqa: ANN001
    content,  # noqa: ANN001
    adapters: dict[str, RecordingAdapter],
    what: str,
) -> None:
    db = seeded_db
    booked = await booked_call(db, clock, email="ann@example.com")
    mail = EmailSettings(enabled=True)
    events = consumer(db, clock, settings, content, mail)
    await events.run_once()
    assert [r.kind for r in await email_rows(db, clock)] == ["followup_booked"]
    clock.set(END + timedelta(minutes=5))

    said = await outcome(db, clock, settings, booked, what)

    status = {"no_show": "no_show", "reschedule": "cancelled"}[what]
    assert (await row(db, clock, FollowUp, booked.follow_up_id)).status == status
    assert (await row(db, clock, Lead, booked.lead_id)).status == "qualified"
    assert "new time" in said
    await hub.outbox.deliver_due()
    [offer] = adapters["webchat"].sent
    assert "Daniel Brooks" in offer.reply.text
    assert [b.payload for b in offer.reply.buttons] == ["book:start"]
    await events.run_once()  # a call that is over gets no cancellation e-mail
    assert [r.kind for r in await email_rows(db, clock)] == ["followup_booked"]
    assert await tasks(db, clock, "survey.dispatch") == []
