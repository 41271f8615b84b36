"""Reacting to business events: e-mail about booked, moved and cancelled calls, the rep's
check after a call, and detractor alerts.

A cursor over ``domain_events`` (like the outgoing webhooks: ``bot.webhooks.delivery``), so an event
is acted on exactly when its change was committed, whichever channel or API made it. The
cursor only moves past events older than ``SETTLE`` (PostgreSQL hands out ids before commit,
so a slow transaction can commit an id below one already read); re-reading is harmless
because everything produced is keyed by the event id.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.scheduler.followup_mail import MailKind, queue_followup_email
from bot.scheduler.handlers.detractor import detractor_alert
from bot.scheduler.schedule import ensure_followup_check
from bot.settings.scheduler import EmailSettings
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.models import DomainEvent, FollowUp
from crm_store.repositories.webhooks import SETTLE, WebhookRepository
from crm_store.uow import UnitOfWork

log = logging.getLogger(__name__)

CONSUMER = "scheduler"
BATCH = 500
_MAIL: dict[str, MailKind] = {
    "followup.booked": "booked",
    "followup.rescheduled": "rescheduled",
    "followup.cancelled": "cancelled",
}


class EventConsumer:
    def __init__(
        self, db: Database, clock: Clock, settings: Any, content: Any, email: EmailSettings
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.content = content
        self.email = email

    async def run_once(self) -> int:
        """Act on new events; returns how many were read."""
        read = 0
        async with UnitOfWork(self.db, self.clock) as uow:
            cursors = WebhookRepository(uow.session, uow.clock)
            cutoff = self.clock.now() - SETTLE
            async for events in cursors.walk(CONSUMER, cutoff=cutoff, batch=BATCH):
                for event in events:
                    await self._one(uow, event)
                read += len(events)
        return read

    async def _one(self, uow: UnitOfWork, event: DomainEvent) -> None:
        try:
            async with uow.session.begin_nested():
                if event.type in _MAIL:
                    await self._followup(uow, event, _MAIL[event.type])
                elif event.type == "survey.completed":
                    await detractor_alert(uow, event, settings=self.settings, content=self.content)
        except Exception:  # one bad event must not stop the others
            log.exception("event %s (%s) could not be handled", event.id, event.type)

    async def _followup(self, uow: UnitOfWork, event: DomainEvent, kind: MailKind) -> None:
        call = await uow.session.get(FollowUp, int(event.data["follow_up_id"]))
        if call is None:
            return
        if kind == "cancelled" and call.ends_at <= event.at:
            return  # a call that is already over (a no-show, a rep's reschedule): no notice
        lead = await uow.leads.get(call.lead_id)
        if kind != "cancelled":
            await ensure_followup_check(uow, lead.contact_id, call, self.clock.now())
        if kind != "cancelled" and call.status == "cancelled":
            return  # booked, then cancelled before we got to it: only the cancel goes out
        data = event.data
        times = (datetime.fromisoformat(data["starts_at"]), datetime.fromisoformat(data["ends_at"]))
        await queue_followup_email(
            uow,
            call,
            kind,
            key=f"event:{event.event_id}",
            times=times,
            settings=self.settings,
            content=self.content,
            email=self.email,
            now=self.clock.now(),
        )
