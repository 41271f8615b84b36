"""Retention removes exactly what has expired at the injected time, and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from pydantic import ValidationError
from sqlalchemy import select

from bot.privacy.retention import run_retention
from bot.privacy.suppression import suppress
from bot.settings.model import Settings
from bot.settings.privacy import PrivacySettings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import AuditLog, Contact, Lead, Message, UnansweredQuestion
from crm_store.models.ops import EmailMessage, Suppression
from crm_store.uow import UnitOfWork
from dialogs.core.transcript import address_key, inbound_fields
from dialogs.core.types import ChannelAddress, InboundMessage

KEY = b"retention-test-key-0123456789abcdef"


async def person(db: Database, clock: FakeClock, name: str, *, lead: str | None = None) -> int:
    """A web chat visitor who said something at the clock's time, with an optional lead."""
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.get_or_create_for_identity(
            "webchat", f"v-{name}", display_name=name
        )
        await uow.contacts.update(contact, email=f"{name.lower()}@example.com")
        address = ChannelAddress("webchat", f"v-{name}")
        conversation = await uow.conversations.open_or_create(address_key(address), contact.id)
        await uow.messages.add_inbound(
            conversation,
            **inbound_fields(InboundMessage(address, f"v-{name}", f"I am {name}", message_id=name)),
        )
        if lead is not None:
            row = await uow.leads.create(contact.id, source_channel="webchat")
            if lead != "new":
                await uow.leads.transition(row, "lost" if lead == "lost" else "qualified")
                if lead == "won":
                    await uow.leads.transition(row, "won")
        return contact.id


async def test_retention_removes_exactly_what_has_expired(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    now = clock.now() + timedelta(days=1000)

    def at(days_ago: float) -> None:
        clock.set(now - timedelta(days=days_ago))

    at(91)
    quiet_visitor = await person(db, clock, "Quiet")
    at(89)
    recent_visitor = await person(db, clock, "Recent")
    at(400)
    open_lead = await person(db, clock, "Open", lead="new")
    at(731)
    lost_long_ago = await person(db, clock, "Lost", lead="lost")
    at(729)
    lost_lately = await person(db, clock, "Later", lead="lost")
    at(800)
    lost_but_back = await person(db, clock, "Back", lead="lost")
    at(800)
    won = await person(db, clock, "Won", lead="won")
    at(10)
    await _touch(db, clock, lost_but_back)  # "Back" wrote again ten days ago

    for days, state in ((31, "delivered"), (29, "delivered"), (60, "pending")):
        at(days)
        async with UnitOfWork(db, clock) as uow:
            uow.session.add(
                EmailMessage(
                    to_address="open@example.com",
                    subject=f"sent {days} days ago",
                    body_text="Dear Open",
                    ics="BEGIN:VCALENDAR",
                    kind="confirmation",
                    state=state,
                    created_at=clock.now(),
                    sent_at=clock.now() if state == "delivered" else None,
                )
            )
    for days in (181, 179):
        at(days)
        async with UnitOfWork(db, clock) as uow:
            conversation_id = (await uow.conversations.for_contact(open_lead))[0].id
            uow.session.add(
                UnansweredQuestion(
                    conversation_id=conversation_id,
                    text=f"asked {days} days ago",
                    language="en",
                    created_at=clock.now(),
                )
            )
    for days, who in ((8, "old"), (6, "new")):
        at(days)
        async with UnitOfWork(db, clock) as uow:
            await suppress(uow, "telegram", who, KEY)
    for days in (1096, 1094):
        at(days)
        async with UnitOfWork(db, clock) as uow:
            await uow.audit.log("admin", "test.entry", detail={"days": days})

    clock.set(now)
    async with UnitOfWork(db, clock) as uow:
        report = await run_retention(uow, now, settings)
    assert report.non_leads_erased == (quiet_visitor,)
    assert report.lost_leads_anonymised == (lost_long_ago,)
    assert (report.email_bodies_removed, report.unanswered_deleted) == (1, 1)
    assert (report.suppressions_expired, report.audit_entries_deleted) == (1, 1)

    async with UnitOfWork(db, clock) as uow:
        s = uow.session
        names = dict((await s.execute(select(Contact.id, Contact.name))).all())
        assert names == {
            quiet_visitor: None,
            recent_visitor: "Recent",
            open_lead: "Open",
            lost_long_ago: None,
            lost_lately: "Later",
            lost_but_back: "Back",
            won: "Won",
        }
        texts = set((await s.scalars(select(Message.text))).all())
        assert "I am Quiet" not in texts and "I am Lost" not in texts
        assert {"I am Recent", "I am Open", "I am Later", "I am Back", "I am Won"} <= texts
        # The anonymised lost lead still counts in the funnel.
        assert (
            await s.scalar(select(Lead.status).where(Lead.contact_id == lost_long_ago))
        ) == "lost"
        bodies = dict((await s.execute(select(EmailMessage.subject, EmailMessage.body_text))).all())
        assert bodies == {
            "[erased]": "[erased]",
            "sent 29 days ago": "Dear Open",
            "sent 60 days ago": "Dear Open",
        }
        assert set((await s.scalars(select(UnansweredQuestion.text))).all()) == {
            "asked 179 days ago"
        }
        assert await s.scalar(select(Suppression.id).order_by(Suppression.id)) is not None
        assert len((await s.scalars(select(Suppression.id))).all()) == 1
        actions = [a.action for a in (await s.scalars(select(AuditLog).order_by(AuditLog.id)))]
        assert "test.entry" in actions and actions.count("contact.erase") == 2

    # Run again at the same time: nothing more has expired, so nothing changes.
    async with UnitOfWork(db, clock) as uow:
        again = await run_retention(uow, now, settings)
    assert again.summary() == {k: 0 if k != "more" else False for k in again.summary()}


async def _touch(db: Database, clock: FakeClock, contact_id: int) -> None:
    async with UnitOfWork(db, clock) as uow:
        address = ChannelAddress("webchat", "v-Back")
        conversation = await uow.conversations.open_or_create(address_key(address), contact_id)
        await uow.messages.add_inbound(
            conversation,
            **inbound_fields(InboundMessage(address, "v-Back", "I am Back", message_id="back-2")),
        )
        await uow.conversations.save_state(conversation, {})


def test_the_settings_section_and_its_defaults(settings: Settings) -> None:
    section = yaml.safe_load(SETTINGS_SNIPPET)["privacy"]
    parsed = PrivacySettings.model_validate(section)
    assert parsed.retention.transcripts_of_non_leads_days == 90
    assert parsed.retention.audit_log_days is None  # null keeps the audit log for good
    assert settings.privacy == PrivacySettings()  # no section: the defaults
    with pytest.raises(ValidationError):
        PrivacySettings.model_validate({"retention": {"anonymise_lost_leads_days": 0}})
    with pytest.raises(ValidationError):
        PrivacySettings.model_validate({"retention": {"keep_forever": True}})


SETTINGS_SNIPPET = """
privacy:
  retention:
    transcripts_of_non_leads_days: 90   # people who never became a lead
    anonymise_lost_leads_days: 730      # people whose every lead was lost
    sent_email_bodies_days: 30
    unanswered_questions_days: 180
    suppression_days: 7                 # erased identities blocked against late retries
    audit_log_days: null                # null: keep for good
"""
