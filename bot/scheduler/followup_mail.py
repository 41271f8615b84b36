"""E-mail about a follow-up call: confirmation, move, cancellation (with an invite), reminder.

Written in the customer's language with times in their zone; only to contacts who gave an
e-mail address and only when e-mail is enabled. Idempotent by ``dedupe_key``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select

from bot.scheduler import texts
from bot.scheduler.ics import Invite, build_ics, followup_uid
from bot.scheduler.people import customer_name, language, rep_by_id, zone_or
from bot.scheduler.produce import add_email
from bot.settings.scheduler import EmailSettings
from crm_store.models import FollowUp
from crm_store.models.ops import EmailMessage
from crm_store.uow import UnitOfWork
from dialogs.flows.booking.view import when_text

MailKind = Literal["booked", "rescheduled", "cancelled", "reminder"]


def mail_key_prefix(follow_up_id: int) -> str:
    return f"followup:{follow_up_id}:"


async def _invites_sent(uow: UnitOfWork, follow_up_id: int) -> int:
    """How many invites (REQUEST or CANCEL) this call already had: the next SEQUENCE."""
    stmt = select(func.count(EmailMessage.id)).where(
        EmailMessage.dedupe_key.startswith(mail_key_prefix(follow_up_id), autoescape=True),
        EmailMessage.ics.is_not(None),
    )
    return int(await uow.session.scalar(stmt) or 0)


async def queue_followup_email(
    uow: UnitOfWork,
    follow_up: FollowUp,
    kind: MailKind,
    *,
    key: str,
    settings: Any,
    content: Any,
    email: EmailSettings,
    now: datetime,
    times: tuple[datetime, datetime] | None = None,
) -> EmailMessage | None:
    """Queue the e-mail; ``key`` (unique per cause, e.g. the event id) makes it idempotent.

    ``times`` are the call's start and end as the event saw them (default: as it is now).
    """
    if not email.enabled:
        return None
    dedupe_key = f"{mail_key_prefix(follow_up.id)}{kind}:{key}"
    if (
        await uow.session.scalar(
            select(EmailMessage.id).where(EmailMessage.dedupe_key == dedupe_key)
        )
    ) is not None:
        return None
    lead = await uow.leads.get(follow_up.lead_id)
    contact = await uow.contacts.get(lead.contact_id)
    if not contact.email:
        return None
    sequence = await _invites_sent(uow, follow_up.id)
    if kind == "cancelled" and sequence == 0:
        return None  # they never got an invite: nothing to take out of their calendar
    starts_at, ends_at = times or (follow_up.starts_at, follow_up.ends_at)
    lang = language(contact.language, settings)
    zone = zone_or(contact.timezone, follow_up.customer_timezone)
    rep = await rep_by_id(uow, follow_up.rep_id)
    business = settings.business.name
    values = {
        "name": contact.name or texts.text(content, "email_there", lang),
        "rep": rep.name if rep else business,
        "business": business,
        "when": when_text(starts_at, zone, lang),
    }
    subject = texts.text(content, f"email_{kind}_subject", lang, **values)
    body = texts.text(content, f"email_{kind}_body", lang, **values)
    ics = None
    if kind != "reminder":
        ics = build_ics(
            Invite(
                uid=followup_uid(follow_up.id, email.domain),
                sequence=sequence,
                method="CANCEL" if kind == "cancelled" else "REQUEST",
                starts_at=starts_at,
                ends_at=ends_at,
                stamp=now,
                summary=texts.text(content, "ics_summary", lang, **values),
                description=body,
                location=texts.text(content, "ics_location", lang, **values),
                organizer_email=email.sender_address,
                organizer_name=business,
                attendee_email=contact.email,
                attendee_name=customer_name(contact),
            )
        )
    return await add_email(
        uow,
        to_address=contact.email,
        subject=subject,
        body_text=body,
        kind=f"followup_{kind}",
        contact_id=contact.id,
        ics=ics,
        dedupe_key=dedupe_key,
    )
