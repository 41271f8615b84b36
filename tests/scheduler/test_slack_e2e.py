"""The scheduler with the real Slack desk and the fake Slack Web API, end to end (#7).

The customer talks to the real hub; the Slack desk posts the handoff card and schedules
its timers; the scheduler runs them and the staff outbox delivers through ``SlackStaff`` to
the fake Slack server; reps click buttons as Slack would send them.
"""

from __future__ import annotations

from datetime import timedelta

from bot.scheduler.staff_outbox import StaffOutbox
from crm_store.models import FollowUp
from crm_store.uow import UnitOfWork
from tests.channels.slack_kit import (  # noqa: F401 - fixtures
    DANIEL,
    SALES,
    SlackRig,
    fake_slack_fixture,
    slack_rig_fixture,
)
from tests.driver import Chat
from tests.scheduler.support import book_call, consumer, make_runner, tasks

MANAGERS = "C0MGRS"


def scheduler_for(rig: SlackRig, settings, content):  # noqa: ANN001, ANN201
    runner = make_runner(rig.db, rig.clock, settings, content, hub=rig.hub)
    return runner, StaffOutbox(rig.db, rig.clock, rig.hooks.staff)


def top_level(rig: SlackRig, channel: str) -> list[dict]:
    return [c.params for c in rig.server.posts(channel) if not c.params.get("thread_ts")]


async def test_unclaimed_handoff_is_reannounced_and_escalated_in_slack(
    slack_rig: SlackRig,
    settings,
    content,  # noqa: ANN001
) -> None:
    rig = slack_rig
    chat = Chat(rig.hub, rig.adapters["webchat"], chat_id="web-jo", display_name="Jo Miller")
    await chat.say("I want to talk to a person")
    await rig.drain()
    [card] = top_level(rig, SALES)
    runner, staff = scheduler_for(rig, settings, content)

    rig.clock.advance(minutes=10)
    assert (await runner.run_due()).kinds == ["handoff.reannounce"]
    assert (await staff.deliver_due()).delivered == 1
    reannounced = top_level(rig, SALES)[1]
    assert "Jo Miller" in reannounced["text"] and "10 min" in reannounced["text"]
    assert "handoff:claim:1" in str(reannounced["blocks"])

    rig.clock.advance(minutes=20)
    assert (await runner.run_due()).kinds == ["handoff.escalate"]
    await staff.deliver_due()
    [escalated] = top_level(rig, MANAGERS)
    assert escalated["text"].startswith("Escalation: Jo Miller has waited 30 min")
    assert card["text"] != escalated["text"]


async def test_resolved_handoff_survey_and_detractor_alert_in_slack(
    slack_rig: SlackRig,
    settings,
    content,  # noqa: ANN001
) -> None:
    rig = slack_rig
    chat = Chat(rig.hub, rig.adapters["webchat"], chat_id="web-jo", display_name="Jo Miller")
    await chat.say("I want to talk to a person")
    await rig.drain()
    await rig.click(DANIEL, "handoff:claim:1")
    await rig.drain()
    await rig.click(DANIEL, "handoff:resolve:1")
    await rig.drain()
    runner, staff = scheduler_for(rig, settings, content)
    events = consumer(rig.db, rig.clock, settings, content)
    await events.run_once()

    rig.clock.advance(minutes=settings.survey.delay_after_handoff_minutes)
    assert (await runner.run_due()).kinds == ["survey.dispatch"]
    assert chat.adapter.to(chat.address)[-1].text == content.survey.questions[0].prompt.get("en")
    await chat.click("survey:csat:1")
    await chat.click("survey:nps:4")
    await chat.say("Nobody answered my question about the Bar")
    await events.run_once()
    await staff.deliver_due()
    [alert] = top_level(rig, MANAGERS)
    assert "Detractor alert: Jo Miller" in alert["text"] and "CSAT 1/5" in alert["text"]
    assert "Nobody answered my question about the Bar" in alert["text"]


async def test_rep_is_asked_after_the_call_and_answers_with_a_button(
    slack_rig: SlackRig,
    settings,
    content,  # noqa: ANN001
) -> None:
    rig = slack_rig
    start = rig.clock.now() + timedelta(days=1)
    booked = await book_call(
        rig.db, rig.clock, rep_id=3, starts_at=start, zone="America/New_York", name="Jo Miller"
    )
    runner, staff = scheduler_for(rig, settings, content)
    await consumer(rig.db, rig.clock, settings, content).run_once()  # schedules the check
    rig.clock.set(start + timedelta(minutes=30))
    kinds = (await runner.run_due()).kinds
    assert kinds[-1] == "followup.check"
    await staff.deliver_due()
    [dm] = rig.server.of("conversations.open")
    assert dm.params["users"] == DANIEL
    check = rig.server.of("chat.postMessage")[-1]
    assert "Did your call with Jo Miller" in check.params["text"]
    assert f"followup:done:{booked.follow_up_id}" in str(check.params["blocks"])

    await rig.click(DANIEL, f"followup:done:{booked.follow_up_id}", channel=check.answer["channel"])
    await rig.drain()
    async with UnitOfWork(rig.db, rig.clock) as uow:
        assert (await uow.session.get(FollowUp, booked.follow_up_id)).status == "done"  # type: ignore[union-attr]
    [survey] = await tasks(rig.db, rig.clock, "survey.dispatch")
    assert survey.payload["trigger_ref"] == f"followup:{booked.follow_up_id}"
