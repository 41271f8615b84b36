"""Withdrawal ("stop", /stop, the widget's button) stops reminders and surveys at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from aiogram.types import Update
from sqlalchemy import select

from bot.hub import ConversationHub
from channels.telegram.translate import BotIdentity, message_to_inbound
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import Consent, ScheduledTask, SurveyRequest, TaskState
from crm_store.models.ops import EmailMessage
from crm_store.uow import UnitOfWork
from dialogs.flows.booking.records import schedule_reminders
from tests.channels.telegram_kit import fixture
from tests.driver import Chat
from tests.privacy.support import fill_lead_form


async def _jo_with_plans(chat: Chat, db: Database, clock: FakeClock) -> int:
    """Jo with a lead, a booked call (two reminders and the rep's check), a survey in
    progress, a survey scheduled and a reminder e-mail queued."""
    await fill_lead_form(chat)
    conversation_id = chat.receipts[-1].conversation_id or 0
    async with UnitOfWork(db, clock) as uow:
        conversation = await uow.conversations.get(conversation_id)
        contact_id = conversation.contact_id
        lead = await uow.leads.open_for_contact(contact_id)
        rep = (await uow.reps.list(active_only=True))[0]
        start = clock.now() + timedelta(days=2)
        follow_up = await uow.follow_ups.book(
            lead_id=lead.id,  # type: ignore[union-attr]
            rep_id=rep.id,
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
            customer_timezone="UTC",
        )
        await schedule_reminders(uow, contact_id, follow_up, (1440, 60), clock.now())
        prefix = f"contact:{contact_id}:"
        await uow.tasks.schedule(
            "survey.dispatch",
            start + timedelta(hours=1),
            {"conversation_id": conversation_id, "trigger": "followup", "trigger_ref": "f"},
            dedupe_key=f"{prefix}survey:followup:f",
        )
        await uow.tasks.schedule(
            "followup.check",
            start + timedelta(minutes=30),
            {"follow_up_id": follow_up.id},
            dedupe_key=f"{prefix}followup:{follow_up.id}:check",
        )
        uow.session.add(
            EmailMessage(
                contact_id=contact_id,
                to_address="jo@acme-rooms.com",
                subject="Reminder",
                body_text="Your call is tomorrow",
                kind="reminder",
                created_at=clock.now(),
            )
        )
    await chat.hub.trigger(conversation_id, "survey", trigger="handoff", trigger_ref="h1")
    return contact_id


def telegram_stop(chat_id: str) -> object:
    payload = fixture("private_text")
    payload["message"]["text"] = "/stop"
    payload["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": 5}]
    payload["message"]["from"]["id"] = payload["message"]["chat"]["id"] = int(chat_id)
    update = Update.model_validate(payload)
    assert update.message is not None
    return message_to_inbound(update.message, update.update_id, BotIdentity(1, "auralis_bot"))


@pytest.mark.parametrize("how", ["typed", "telegram_command", "widget_button"])
async def test_withdrawal_cancels_reminders_and_surveys_at_once(
    how: str, new_chat: Callable[..., Chat], hub: ConversationHub, db: Database, clock: FakeClock
) -> None:
    channel = "telegram" if how == "telegram_command" else "webchat"
    chat = new_chat(channel, "111111111")
    contact_id = await _jo_with_plans(chat, db, clock)
    if how == "typed":
        await chat.say("stop")
    elif how == "telegram_command":
        await chat.send(telegram_stop("111111111"))  # type: ignore[arg-type]
    else:
        await chat.click("privacy:stop")
    assert chat.last.text == hub.services.content.text("stop_done", "en")

    async with UnitOfWork(db, clock) as uow:
        s = uow.session
        tasks = dict((await s.execute(select(ScheduledTask.kind, ScheduledTask.state))).all())
        assert tasks == {
            "followup.reminder": TaskState.CANCELLED.value,
            "survey.dispatch": TaskState.CANCELLED.value,
            # The rep is still asked whether the call happened: that is not a message to Jo.
            "followup.check": TaskState.PENDING.value,
        }
        assert set((await s.scalars(select(SurveyRequest.status))).all()) == {"opted_out"}
        assert (await s.scalar(select(EmailMessage.state))) == "cancelled"
        withdrawals = (await s.scalars(select(Consent).where(Consent.granted.is_(False)))).all()
        assert {c.purpose for c in withdrawals} == {"marketing", "sales_contact"}
        assert all(c.channel == channel for c in withdrawals)
        assert not await uow.consents.current(contact_id, "sales_contact")
        contact = await uow.contacts.get(contact_id)
        assert contact.marketing_opt_out

    # A survey trigger afterwards sends nothing.
    before = len(chat.replies)
    await hub.trigger(
        chat.receipts[-1].conversation_id or 0, "survey", trigger="t", trigger_ref="2"
    )
    assert len(chat.replies) == before
