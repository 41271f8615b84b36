"""Retention: personal data is kept only as long as the configured periods say.

``run_retention(uow, now, settings)`` runs in one transaction (the scheduler's recurring
``retention.run`` task) and removes exactly what has expired at ``now``:

- people who never became a lead and have been silent for ``transcripts_of_non_leads_days``:
  their whole record is erased (transcripts, identities, contact fields);
- people whose every lead was lost, untouched for ``anonymise_lost_leads_days``: anonymised
  (the lost leads stay, without the person, so the funnel numbers stay right);
- bodies and invites of e-mails sent before ``sent_email_bodies_days``;
- unanswered questions, suppression entries and audit entries past their periods.

Erasure here goes through the same service as a person's own request, without suppression:
a person whose data merely expired may come back and start afresh.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, or_, select, update

from bot.privacy.erase import erase_contact
from bot.privacy.suppression import expire_suppressions
from crm_store.models import (
    AuditLog,
    ChannelIdentity,
    Contact,
    Conversation,
    Lead,
    LeadStatus,
    UnansweredQuestion,
)
from crm_store.models.ops import DELIVERED, EmailMessage
from crm_store.repositories.personal_data import ERASED
from crm_store.uow import UnitOfWork

log = logging.getLogger(__name__)

ACTOR = "retention"
# Contacts erased per run: one run stays one short transaction; the next run continues.
BATCH = 500


@dataclass(frozen=True)
class RetentionReport:
    now: datetime
    non_leads_erased: tuple[int, ...] = ()
    lost_leads_anonymised: tuple[int, ...] = ()
    email_bodies_removed: int = 0
    unanswered_deleted: int = 0
    suppressions_expired: int = 0
    audit_entries_deleted: int = 0
    more: bool = False  # the batch limit was hit: the next run continues
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "non_leads_erased": len(self.non_leads_erased),
            "lost_leads_anonymised": len(self.lost_leads_anonymised),
            "email_bodies_removed": self.email_bodies_removed,
            "unanswered_deleted": self.unanswered_deleted,
            "suppressions_expired": self.suppressions_expired,
            "audit_entries_deleted": self.audit_entries_deleted,
            "more": self.more,
        }


async def run_retention(
    uow: UnitOfWork, now: datetime, settings: Any, *, batch: int = BATCH
) -> RetentionReport:
    periods = settings.privacy.retention

    def cutoff(days: int | None) -> datetime | None:
        return None if days is None else now - timedelta(days=days)

    non_leads: list[int] = []
    lost: list[int] = []
    if (before := cutoff(periods.transcripts_of_non_leads_days)) is not None:
        no_lead = ~exists().where(Lead.contact_id == Contact.id)
        non_leads = await _idle_contacts(uow, no_lead, before, batch + 1)
    if (before := cutoff(periods.anonymise_lost_leads_days)) is not None:
        leads = select(Lead.id).where(Lead.contact_id == Contact.id)
        open_or_won = leads.where(Lead.status != LeadStatus.LOST.value)
        recent = leads.where(Lead.updated_at >= before)
        all_lost_long_ago = exists(leads) & ~exists(open_or_won) & ~exists(recent)
        lost = await _idle_contacts(uow, all_lost_long_ago, before, batch + 1)
    more = len(non_leads) + len(lost) > batch
    non_leads, lost = non_leads[:batch], lost[: max(0, batch - len(non_leads))]
    for contact_id in non_leads:
        await erase_contact(uow, contact_id, actor=ACTOR, key=None, reason="retention.non_lead")
    for contact_id in lost:
        await erase_contact(uow, contact_id, actor=ACTOR, key=None, reason="retention.lost_lead")

    emails = unanswered = suppressions = audits = 0
    if (before := cutoff(periods.sent_email_bodies_days)) is not None:
        result = await uow.session.execute(
            update(EmailMessage)
            .where(
                EmailMessage.state == DELIVERED,
                EmailMessage.sent_at < before,
                EmailMessage.body_text != ERASED,
            )
            .values(subject=ERASED, body_text=ERASED, ics=None)
        )
        emails = _rows(result)
    if (before := cutoff(periods.unanswered_questions_days)) is not None:
        result = await uow.session.execute(
            delete(UnansweredQuestion).where(UnansweredQuestion.created_at < before)
        )
        unanswered = _rows(result)
    if (before := cutoff(periods.suppression_days)) is not None:
        suppressions = await expire_suppressions(uow, before)
    if (before := cutoff(periods.audit_log_days)) is not None:
        audits = _rows(await uow.session.execute(delete(AuditLog).where(AuditLog.at < before)))

    report = RetentionReport(
        now=now,
        non_leads_erased=tuple(non_leads),
        lost_leads_anonymised=tuple(lost),
        email_bodies_removed=emails,
        unanswered_deleted=unanswered,
        suppressions_expired=suppressions,
        audit_entries_deleted=audits,
        more=more,
    )
    if any(v for k, v in report.summary().items() if k != "more"):
        await uow.audit.log(ACTOR, "retention.run", detail=report.summary())
    log.info("retention: %s", report.summary())
    return report


async def _idle_contacts(
    uow: UnitOfWork, condition: ColumnElement[bool], before: datetime, limit: int
) -> list[int]:
    """Contacts matching ``condition`` that still hold personal data and were last active
    (contact changed, a conversation moved or got a message) before ``before``."""
    conversations = select(Conversation.id).where(Conversation.contact_id == Contact.id)
    active_since = conversations.where(
        or_(Conversation.updated_at >= before, Conversation.last_message_at >= before)
    )
    holds_data = or_(
        exists().where(ChannelIdentity.contact_id == Contact.id),
        Contact.name.is_not(None),
        Contact.email.is_not(None),
        Contact.phone.is_not(None),
        Contact.company.is_not(None),
    )
    stmt = (
        select(Contact.id)
        .where(condition, holds_data, Contact.updated_at < before, ~exists(active_since))
        .order_by(Contact.id)
        .limit(limit)
    )
    return list((await uow.session.scalars(stmt)).all())


def _rows(result: Any) -> int:
    return int(result.rowcount or 0)
