"""Late retries of an erased person's old Telegram updates and Slack events are dropped."""

from __future__ import annotations

import copy
from typing import Any

from aiogram.types import Update
from sqlalchemy import func, select

from bot.hub import ConversationHub
from bot.privacy.erase import erase_contact
from bot.privacy.retention import run_retention
from bot.privacy.suppression import identity_hash, is_suppressed, suppression_key
from bot.settings.model import Settings
from channels.slack.translate import event_to_inbound
from channels.telegram.translate import BotIdentity, message_to_inbound
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import ChannelIdentity, Contact, Message
from crm_store.models.ops import Suppression
from crm_store.uow import UnitOfWork
from dialogs.core.types import InboundMessage
from tests.channels.telegram_kit import fixture
from tests.driver import RecordingAdapter
from tests.privacy.fake_slack import FakeSlack
from tests.privacy.support import SLACK_DM, SLACK_USER, TELEGRAM_USER, jo_everywhere

ME = BotIdentity(8000000001, "auralis_bot")


def telegram_update(update_id: int, text: str) -> InboundMessage:
    payload: dict[str, Any] = copy.deepcopy(fixture("private_text"))
    payload["update_id"] = update_id
    payload["message"]["text"] = text
    payload["message"]["from"].update(id=int(TELEGRAM_USER), first_name="Jo", last_name="Miller")
    payload["message"]["chat"].update(id=int(TELEGRAM_USER), first_name="Jo", last_name="Miller")
    update = Update.model_validate(payload)
    assert update.message is not None
    inbound = message_to_inbound(update.message, update.update_id, ME)
    assert inbound is not None
    return inbound


def slack_event(ts: str, text: str) -> InboundMessage:
    return event_to_inbound(
        {
            "type": "message",
            "channel": SLACK_DM,
            "channel_type": "im",
            "user": SLACK_USER,
            "text": text,
            "ts": ts,
        }
    )


async def people(db: Database, clock: FakeClock) -> tuple[int, int, int]:
    async with UnitOfWork(db, clock) as uow:
        s = uow.session
        return (
            int(await s.scalar(select(func.count(Contact.id))) or 0),
            int(await s.scalar(select(func.count(ChannelIdentity.id))) or 0),
            int(await s.scalar(select(func.count(Message.id))) or 0),
        )


async def test_replayed_telegram_update_and_slack_event_do_not_bring_the_person_back(
    hub: ConversationHub,
    adapters: dict[str, RecordingAdapter],
    db: Database,
    clock: FakeClock,
    slack: FakeSlack,
    settings: Settings,
) -> None:
    jo = await jo_everywhere(hub, adapters, db, clock, slack)
    old_update = telegram_update(815299001, "How much is the Auralis Cam 4K?")
    old_event = slack_event("1772463700.000200", "Do you ship to Boston?")
    assert (await hub.receive(old_update)).status == "relayed"  # Jo is talking to a rep
    assert (await hub.receive(old_event)).status == "handled"
    key = suppression_key(settings)
    async with UnitOfWork(db, clock) as uow:
        await erase_contact(uow, jo.contact_id, actor="cli", key=key)
    before = await people(db, clock)
    assert before[:2] == (1, 0)  # the anonymous shell, no identities

    clock.advance(hours=20)  # Telegram keeps unconfirmed updates for 24 hours
    sent_before = sum(len(a.sent) for a in adapters.values())
    for replay in (old_update, old_event):
        assert (await hub.receive(replay)).status == "suppressed"
    # An event that never reached the store before the erasure (a retry after a failure).
    late = telegram_update(815299002, "hello?")
    assert (await hub.receive(late)).status == "suppressed"
    assert await people(db, clock) == before, "nothing stored, nobody recreated"
    assert sum(len(a.sent) for a in adapters.values()) == sent_before, "and nothing sent"

    async with UnitOfWork(db, clock) as uow:
        hashes = set((await uow.session.scalars(select(Suppression.identity_hash))).all())
        assert await is_suppressed(uow, "telegram", TELEGRAM_USER, key)
        assert not await is_suppressed(uow, "telegram", "735009922", key)
    # Keyed hashes only: the table does not hold the identity, nor its plain SHA-256.
    assert identity_hash(key, "slack", SLACK_USER) in hashes
    assert all(TELEGRAM_USER not in h and SLACK_USER not in h for h in hashes)
    assert identity_hash(b"another server's key.........", "slack", SLACK_USER) not in hashes

    # After the suppression period the person may start afresh, as someone new.
    clock.advance(days=8)
    async with UnitOfWork(db, clock) as uow:
        report = await run_retention(uow, clock.now(), settings)
    assert report.suppressions_expired == 3
    receipt = await hub.receive(telegram_update(815299100, "Hi, I'm back"))
    assert receipt.status == "handled"
    contacts, identities, _ = await people(db, clock)
    assert (contacts, identities) == (2, 1)
