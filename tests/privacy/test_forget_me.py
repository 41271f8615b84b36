"""The customer's own "forget me" in the chat runs the same erasure as the CLI and API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.hub import ConversationHub
from bot.privacy.erase import CLEANUP_TASK, run_cleanup_task
from bot.privacy.slack_cleanup import SlackEraser
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import AuditLog, Conversation, ScheduledTask
from crm_store.uow import UnitOfWork
from tests.driver import Chat, RecordingAdapter, text_of
from tests.privacy.fake_slack import FakeSlack
from tests.privacy.support import TELEGRAM_USER, find_identifiers, jo_everywhere


async def test_forget_me_in_telegram_erases_everything_after_the_goodbye_is_delivered(
    hub: ConversationHub,
    adapters: dict[str, RecordingAdapter],
    db: Database,
    clock: FakeClock,
    slack: FakeSlack,
    eraser: SlackEraser,
    settings: Settings,
) -> None:
    jo = await jo_everywhere(hub, adapters, db, clock, slack)
    # A fresh Telegram conversation (the earlier one is with a rep): "forget me" + yes.
    async with UnitOfWork(db, clock) as uow:
        telegram_id = jo.chats["telegram"].receipts[-1].conversation_id
        conversation = await uow.conversations.get(telegram_id or 0)
        await uow.conversations.set_status(conversation, "closed")
    chat = jo.chats["telegram"]
    asked = await chat.say("forget me")
    assert "privacy:confirm" in [b.payload for b in asked[-1].buttons]
    done = await chat.click("privacy:confirm", "Yes")
    assert text_of(done) == hub.services.content.text("forget_me_done", "en")

    async with UnitOfWork(db, clock) as uow:
        task = (
            await uow.session.scalars(
                select(ScheduledTask).where(ScheduledTask.kind == CLEANUP_TASK)
            )
        ).one()
        entry = (
            await uow.session.scalars(select(AuditLog).where(AuditLog.action == "contact.erase"))
        ).one()
        assert (entry.actor, entry.target_id) == ("customer", str(jo.contact_id))
        # Only the address of the goodbye's conversation waits for the cleanup.
        kept = (await uow.session.scalars(select(Conversation.chat_id))).all()
        assert [c for c in kept if not c.startswith("erased:")] == [TELEGRAM_USER]
    outcome = await run_cleanup_task(db, clock, task.id, eraser)
    assert outcome is not None and outcome.finished
    assert await find_identifiers(db) == []
    assert slack.called("chat.delete")

    again = await chat.say("hello?")
    assert again == [] and chat.receipts[-1].status == "suppressed"


async def test_cleanup_waits_until_the_goodbye_is_delivered(
    new_chat,
    adapters: dict[str, RecordingAdapter],
    db: Database,
    clock: FakeClock,  # noqa: ANN001
) -> None:
    chat: Chat = new_chat("telegram", "735000001")
    await chat.say("how much is the Cam 4K?")
    await chat.say("forget me")
    adapters["telegram"].fail_next(times=1)
    await chat.click("privacy:confirm", "Yes")
    async with UnitOfWork(db, clock) as uow:
        task = (
            await uow.session.scalars(
                select(ScheduledTask).where(ScheduledTask.kind == CLEANUP_TASK)
            )
        ).one()
    outcome = await run_cleanup_task(db, clock, task.id, None)
    assert outcome is not None and not outcome.finished
    assert await find_identifiers(db, ("735000001",)), "the address waits for the goodbye"

    clock.advance(seconds=5)
    await chat.hub.outbox.deliver_due()
    clock.advance(seconds=30)
    assert await run_cleanup_task(db, clock, task.id, None) is not None
    assert await find_identifiers(db, ("735000001",)) == []


@pytest.mark.parametrize(
    ("lang", "ask"), [("en", "forget me"), ("en", "please delete my data"), ("zh", "删除我的信息")]
)
async def test_forget_me_is_understood(
    new_chat,
    lang: str,
    ask: str,  # noqa: ANN001
) -> None:
    chat: Chat = new_chat("webchat", f"visitor-{lang}")
    replies = await chat.say(ask)
    assert "privacy:confirm" in chat.payloads(), text_of(replies)
