"""The desk's buttons beyond the happy path (#6): hand back, who may resolve, strangers,
unclaimed threads, lead cards and booking, re-announcements, follow-up outcomes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.scheduler.execute import TaskRunner
from bot.scheduler.handlers import default_handlers
from bot.scheduler.staff_outbox import StaffOutbox
from crm_store.models import ScheduledTask, SurveyRequest
from crm_store.uow import UnitOfWork
from dialogs.core.events import HandoffEvent
from dialogs.core.transcript import address_key
from tests.channels.slack_kit import (  # noqa: F401
    DANIEL,
    LENA,
    SALES,
    STRANGER,
    SlackRig,
    fake_slack_fixture,
    slack_rig_fixture,
)
from tests.channels.test_telegram_e2e import LEAD_CAPTURE, TAGS
from tests.driver import Chat
from tests.fakes.slack_api import buttons_of, text_of


def web_chat(rig: SlackRig, chat_id: str = "web-jo") -> Chat:
    return Chat(
        rig.hub, rig.adapters["webchat"], chat_id=chat_id, user_id=chat_id, display_name="Jo Miller"
    )


async def handed_off(rig: SlackRig) -> Chat:
    chat = web_chat(rig)
    await chat.say("hello")
    await chat.click("handoff:request", "Talk to sales")
    await rig.drain()
    return chat


async def click(rig: SlackRig, user: str, payload: str, **kw: Any) -> None:
    await rig.click(user, payload, **kw)
    await rig.drain()


async def status_of(rig: SlackRig, chat: Chat) -> str:
    async with UnitOfWork(rig.db, rig.clock) as uow:
        conversation = await uow.conversations.open_at(address_key(chat.address))
        assert conversation is not None
        return conversation.status


async def kinds_of_tasks(rig: SlackRig, state: str = "pending") -> list[str]:
    async with UnitOfWork(rig.db, rig.clock) as uow:
        stmt = select(ScheduledTask.kind).where(ScheduledTask.state == state)
        return sorted((await uow.session.scalars(stmt)).all())


async def test_hand_back_returns_to_the_bot_without_a_survey(slack_rig: SlackRig) -> None:
    chat = await handed_off(slack_rig)
    await click(slack_rig, DANIEL, "handoff:claim:1")
    await click(slack_rig, DANIEL, "handoff:bot:1")
    assert await status_of(slack_rig, chat) == "bot"
    assert (await slack_rig.card(1)).status == "handed_back"
    assert await kinds_of_tasks(slack_rig) == []  # no survey, timers cancelled
    card = slack_rig.server.of("chat.update")[-1].params
    assert "Handed back to the bot" in text_of(card["blocks"])
    assert buttons_of(card["blocks"]) == []
    assert chat.last.text.startswith("The conversation with our team has ended")


async def test_only_the_owner_may_resolve(slack_rig: SlackRig) -> None:
    chat = await handed_off(slack_rig)
    await click(slack_rig, DANIEL, "handoff:claim:1")
    await click(slack_rig, LENA, "handoff:resolve:1")
    assert (await slack_rig.card(1)).status == "claimed"
    assert await status_of(slack_rig, chat) == "handoff"
    (told,) = slack_rig.server.ephemerals(LENA)
    assert told.params["text"] == f"Only <@{DANIEL}>, who claimed it, can resolve it."
    await click(slack_rig, DANIEL, "handoff:resolve:1")
    await click(slack_rig, DANIEL, "handoff:resolve:1")
    assert slack_rig.server.ephemerals(DANIEL)[-1].params["text"] == (
        "This handoff is already resolved."
    )
    assert await kinds_of_tasks(slack_rig) == ["survey.dispatch"]


async def test_an_unclaimed_handoff_can_be_resolved_by_any_rep(slack_rig: SlackRig) -> None:
    chat = await handed_off(slack_rig)
    await click(slack_rig, LENA, "handoff:resolve:1")
    assert (await slack_rig.card(1)).status == "resolved"
    assert await status_of(slack_rig, chat) == "bot"


async def test_someone_who_is_not_a_rep_changes_nothing(slack_rig: SlackRig) -> None:
    await handed_off(slack_rig)
    await click(slack_rig, STRANGER, "handoff:claim:1")
    assert (await slack_rig.card(1)).status == "open"
    (told,) = slack_rig.server.ephemerals(STRANGER)
    assert "not set up as a sales rep" in told.params["text"]


async def test_replies_before_a_claim_stay_internal_with_one_hint(slack_rig: SlackRig) -> None:
    chat = await handed_off(slack_rig)
    before = len(chat.replies)
    card = await slack_rig.card(1)
    assert card.channel and card.ts
    reply = slack_rig.payloads.message(card.channel, DANIEL, "I'll take it", thread_ts=card.ts)
    await slack_rig.event(reply)
    await slack_rig.event(reply, retry=1)
    await slack_rig.drain()
    assert chat.replies[before:] == []
    (hint,) = slack_rig.server.ephemerals(DANIEL)
    assert "Click *Claim*" in hint.params["text"] and hint.params["thread_ts"] == card.ts


async def test_a_qualified_lead_gets_a_card_and_a_booking_offer(slack_rig: SlackRig) -> None:
    chat = web_chat(slack_rig, "web-lead")
    await chat.say("hello")
    async with UnitOfWork(slack_rig.db, slack_rig.clock) as uow:
        conversation = await uow.conversations.open_at(address_key(chat.address))
        assert conversation is not None
        await uow.contacts.update(await uow.contacts.get(conversation.contact_id), name="Ann Lee")
        lead = await uow.leads.create(
            conversation.contact_id, source_channel="webchat", score=80, product_interest="cam4k"
        )
        await uow.leads.transition(lead, "qualified")
    event = HandoffEvent(
        "lead_qualified", conversation.id, conversation.contact_id, lead_id=lead.id
    )
    await slack_rig.hooks.desk.notify(event)
    await slack_rig.hooks.desk.notify(event)  # announced once
    await slack_rig.drain()
    (card,) = [c for c in slack_rig.server.posts(SALES) if "thread_ts" not in c.params]
    assert "Qualified lead" in card.params["text"]
    assert "Ann Lee" in text_of(card.params["blocks"])
    assert "score 80" in text_of(card.params["blocks"])
    assert buttons_of(card.params["blocks"]) == ["handoff:claim:1", "handoff:book:1"]

    await click(slack_rig, LENA, "handoff:claim:1")
    async with UnitOfWork(slack_rig.db, slack_rig.clock) as uow:
        lena = await uow.reps.by_slack_user(LENA)
        assert lena is not None
        assert (await uow.leads.get(lead.id)).owner_rep_id == lena.id
    assert await status_of(slack_rig, chat) == "bot"  # a lead card is not a handoff
    before = len(chat.replies)
    await click(slack_rig, LENA, "handoff:book:1")
    offered = chat.replies[before:]
    assert offered and offered[0].text.startswith("Let's find a time for a call")
    note = slack_rig.server.posts(SALES, thread_ts=card.answer["ts"])[-1].params
    assert note["text"] == f"<@{LENA}> sent the customer times to book a call."


async def test_a_lead_qualified_during_a_handoff_is_noted_in_its_thread(
    slack_rig: SlackRig,
) -> None:
    chat = await handed_off(slack_rig)
    async with UnitOfWork(slack_rig.db, slack_rig.clock) as uow:
        conversation = await uow.conversations.open_at(address_key(chat.address))
        assert conversation is not None
        lead = await uow.leads.create(conversation.contact_id, source_channel="webchat", score=70)
    event = HandoffEvent(
        "lead_qualified", conversation.id, conversation.contact_id, lead_id=lead.id
    )
    await slack_rig.hooks.desk.notify(event)
    await slack_rig.drain()
    card = await slack_rig.card(1)
    assert [c.kind for c in await slack_rig.cards()] == ["handoff"]
    note = slack_rig.server.posts(SALES, thread_ts=card.ts)[-1].params
    assert "Lead qualified" in note["text"] and "score 70" in note["text"]


async def run_due_tasks(rig: SlackRig) -> list[str]:
    """One round of the scheduler's task runner (its real handlers) and staff outbox."""
    runner = TaskRunner(
        db=rig.db,
        clock=rig.clock,
        settings=rig.hooks.settings,
        content=rig.hub.services.content,
        handlers=default_handlers(recurring=False),
        hub=rig.hub,
    )
    result = await runner.run_due()
    await StaffOutbox(rig.db, rig.clock, rig.hooks.staff).deliver_due()
    await rig.drain()
    return list(result.kinds)


async def test_an_unclaimed_handoff_is_reannounced_and_claimed_from_there(
    slack_rig: SlackRig,
) -> None:
    await handed_off(slack_rig)
    slack_rig.clock.advance(minutes=10)
    assert await run_due_tasks(slack_rig) == ["handoff.reannounce"]
    reannounced = [c for c in slack_rig.server.posts(SALES) if "thread_ts" not in c.params][-1]
    blocks = reannounced.params["blocks"]
    assert "Jo Miller" in text_of(blocks) and buttons_of(blocks) == ["handoff:claim:1"]
    assert "Card #1" in text_of(blocks)
    message = {"ts": reannounced.answer["ts"], "text": reannounced.params["text"], "blocks": blocks}
    await click(slack_rig, DANIEL, "handoff:claim:1", message=message)
    assert (await slack_rig.card(1)).status == "claimed"
    updates = {u.params["ts"]: u.params for u in slack_rig.server.of("chat.update")}
    settled = updates[reannounced.answer["ts"]]["blocks"]
    assert buttons_of(settled) == [] and f"Claimed by <@{DANIEL}>" in text_of(settled)
    # Claimed: the escalation to the managers was cancelled with the other timer.
    slack_rig.clock.advance(minutes=30)
    assert await run_due_tasks(slack_rig) == []
    assert slack_rig.server.posts("C0MGRS") == []


async def test_a_resolved_handoff_gets_its_survey_after_the_delay(slack_rig: SlackRig) -> None:
    chat = await handed_off(slack_rig)
    await click(slack_rig, DANIEL, "handoff:claim:1")
    await click(slack_rig, DANIEL, "handoff:resolve:1")
    slack_rig.clock.advance(minutes=29)
    assert await run_due_tasks(slack_rig) == []
    before = len(chat.replies)
    slack_rig.clock.advance(minutes=1)
    assert await run_due_tasks(slack_rig) == ["survey.dispatch"]
    survey = chat.replies[before:]
    payloads = [b.payload for r in survey for b in (*r.buttons, *r.quick_replies)]
    assert any(p.startswith("survey:") for p in payloads)
    async with UnitOfWork(slack_rig.db, slack_rig.clock) as uow:
        (request,) = (await uow.session.scalars(select(SurveyRequest))).all()
        daniel = await uow.reps.by_slack_user(DANIEL)
    assert (request.trigger, request.trigger_ref) == ("handoff", "handoff:1")
    assert daniel is not None and request.rep_id == daniel.id


async def booked_call(rig: SlackRig, chat: Chat) -> int:
    await chat.say("hello")
    async with UnitOfWork(rig.db, rig.clock) as uow:
        conversation = await uow.conversations.open_at(address_key(chat.address))
        assert conversation is not None
        daniel = await uow.reps.by_slack_user(DANIEL)
        assert daniel is not None
        lead = await uow.leads.create(conversation.contact_id, source_channel="webchat")
        start = rig.clock.now() - timedelta(hours=1)
        call = await uow.follow_ups.book(
            lead_id=lead.id,
            rep_id=daniel.id,
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
            customer_timezone="Europe/London",
        )
        return call.id


async def test_follow_up_outcome_buttons(slack_rig: SlackRig) -> None:
    chat = web_chat(slack_rig, "web-call")
    call_id = await booked_call(slack_rig, chat)
    message = {
        "ts": "1772463600.000777",
        "text": "Did your call take place?",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "Did your call take place?"}},
            {"type": "actions", "elements": []},
        ],
    }
    before = len(chat.replies)
    payload = f"followup:noshow:{call_id}"
    await click(slack_rig, DANIEL, payload, channel="D0DANIEL", message=message)
    async with UnitOfWork(slack_rig.db, slack_rig.clock) as uow:
        assert (await uow.follow_ups.get(call_id)).status == "no_show"
    (update,) = slack_rig.server.of("chat.update")
    assert update.params["ts"] == message["ts"]
    assert buttons_of(update.params["blocks"]) == []
    assert f"<@{DANIEL}>" in text_of(update.params["blocks"])
    missed = chat.replies[before:]
    assert missed and "book:start" in [b.payload for b in missed[-1].buttons]


async def test_a_follow_up_that_does_not_exist(slack_rig: SlackRig) -> None:
    await click(slack_rig, DANIEL, "followup:done:999", channel="D0DANIEL")
    (told,) = slack_rig.server.ephemerals(DANIEL)
    assert told.params["text"] == "Could not record that: NotFound."


async def test_the_lead_form_posts_a_lead_card(slack_rig: SlackRig) -> None:
    """The real lead flow qualifies the lead; the desk hears of it and posts one card."""
    chat = web_chat(slack_rig, "web-form")
    for action, template in LEAD_CAPTURE:
        value = template.format(**TAGS["webchat"])
        if action == "say":
            await chat.say(value)
        else:
            await chat.click(value)
    await slack_rig.drain()
    cards = await slack_rig.cards()
    assert [(c.kind, c.status) for c in cards] == [("lead", "open")]
    (posted,) = [c for c in slack_rig.server.posts(SALES) if "thread_ts" not in c.params]
    shown = text_of(posted.params["blocks"])
    assert "jo.web@acme-rooms.com" in shown and "qualified" in shown
    assert buttons_of(posted.params["blocks"]) == ["handoff:claim:1", "handoff:book:1"]
