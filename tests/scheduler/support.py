"""Shared helpers of the scheduler tests: a booked call straight in the store, a runner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.scheduler.events import EventConsumer
from bot.scheduler.execute import TaskRunner
from bot.scheduler.handlers import default_handlers
from bot.scheduler.staff_outbox import StaffOutbox
from bot.settings.scheduler import EmailSettings, SchedulerSettings
from bot.staff import InMemoryStaff
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.models import ScheduledTask
from crm_store.models.ops import EmailMessage, StaffMessage
from crm_store.uow import UnitOfWork
from dialogs.core.transcript import address_key
from dialogs.core.types import ChannelAddress
from dialogs.flows.booking import records

MAYA, LENA, DANIEL, KEVIN = 1, 2, 3, 4  # demo reps, in config/reps.yaml order


@dataclass(frozen=True)
class Booked:
    contact_id: int
    conversation_id: int
    lead_id: int
    follow_up_id: int
    address: ChannelAddress


async def book_call(
    db: Database,
    clock: Clock,
    *,
    rep_id: int,
    starts_at: datetime,
    zone: str,
    lang: str = "en",
    email: str | None = None,
    name: str = "Ann Lee",
    chat_id: str = "visitor-1",
    channel: str = "webchat",
    offsets: tuple[int, ...] = (1440, 15),
    minutes: int = 30,
) -> Booked:
    """What the booking flow writes (booking_actions.book), without the conversation."""
    address = ChannelAddress(channel, chat_id)
    async with UnitOfWork(db, clock) as uow:
        contact = await uow.contacts.create(name=name, language=lang, timezone=zone, email=email)
        await uow.contacts.add_identity(contact, channel, chat_id, name)
        conversation = await uow.conversations.open_or_create(
            address_key(address), contact.id, language=lang
        )
        lead = await uow.leads.create(contact.id, source_channel=channel)
        call = await uow.follow_ups.book(
            lead_id=lead.id,
            rep_id=rep_id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
            customer_timezone=zone,
        )
        await records.mark_booked(uow, lead, rep_id)
        await records.schedule_reminders(uow, contact.id, call, offsets, clock.now())
        return Booked(contact.id, conversation.id, lead.id, call.id, address)


def make_runner(
    db: Database,
    clock: Clock,
    settings: Any,
    content: Any,
    *,
    hub: Any = None,
    outbox: Any = None,
    email: EmailSettings | None = None,
    config: SchedulerSettings | None = None,
) -> TaskRunner:
    return TaskRunner(
        db=db,
        clock=clock,
        settings=settings,
        content=content,
        handlers=default_handlers(recurring=False),
        hub=hub,
        outbox=outbox,
        config=config or SchedulerSettings(),
        email=email or EmailSettings(),
    )


def staff_outbox(db: Database, clock: Clock) -> tuple[StaffOutbox, InMemoryStaff]:
    channel = InMemoryStaff()
    return StaffOutbox(db, clock, channel), channel


def consumer(
    db: Database, clock: Clock, settings: Any, content: Any, email: EmailSettings | None = None
) -> EventConsumer:
    return EventConsumer(db, clock, settings, content, email or EmailSettings())


async def tasks(db: Database, clock: Clock, kind: str | None = None) -> list[ScheduledTask]:
    async with UnitOfWork(db, clock) as uow:
        stmt = select(ScheduledTask).order_by(ScheduledTask.due_at, ScheduledTask.id)
        if kind is not None:
            stmt = stmt.where(ScheduledTask.kind == kind)
        return list((await uow.session.scalars(stmt)).all())


async def staff_rows(db: Database, clock: Clock) -> list[StaffMessage]:
    async with UnitOfWork(db, clock) as uow:
        stmt = select(StaffMessage).order_by(StaffMessage.id)
        return list((await uow.session.scalars(stmt)).all())


async def email_rows(db: Database, clock: Clock) -> list[EmailMessage]:
    async with UnitOfWork(db, clock) as uow:
        stmt = select(EmailMessage).order_by(EmailMessage.id)
        return list((await uow.session.scalars(stmt)).all())
