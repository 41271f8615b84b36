"""What the rep says happened to a follow-up call (Slack buttons followup:done|noshow|
reschedule:<id>, or any other caller): the call's status, the lead's stage, and what the
customer gets next.

- ``done``: the call is ``done``; the lead moves to ``scheduler.followup_done_lead_status``
  (default ``meeting_booked``: the meeting took place and the deal is open, won or lost is
  the rep's decision in the CRM, not the bot's; a lead that was still ``new`` or
  ``qualified``, e.g. a call booked by API, is moved up to it). A satisfaction survey is
  scheduled (``survey.dispatch``, trigger "followup", once per call) after
  ``scheduler.survey_after_followup_minutes``.
- ``no_show``: the call is ``no_show``; the lead goes back to ``qualified`` unless another
  call is booked; the customer is told we missed each other, with a "Book a call" button.
- ``reschedule``: the call is ``cancelled`` (a new time needs a new booking); the lead goes
  back to ``qualified`` the same way; the customer is asked to pick a new time, with the
  button. A new booking moves the lead to ``meeting_booked`` again.

The customer's message is written to the outbox in the caller's transaction; the outbox
loop sends it within seconds, or the caller sends it after the commit with
``hub.outbox.deliver_now(recorded.conversation_id)``. Pending reminders and the rep's check
of the call are cancelled. A second click changes nothing and says what was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.scheduler import texts
from bot.scheduler.people import customer_conversation, language, rep_by_id, rep_language
from bot.scheduler.schedule import schedule_survey
from crm_store.clock import Clock
from crm_store.models import ACTIVE_FOLLOW_UP, FollowUpStatus, LeadStatus
from crm_store.repositories.leads import ALLOWED
from crm_store.uow import UnitOfWork
from dialogs.core.transcript import reply_fields
from dialogs.core.types import Button, Reply
from dialogs.flows.booking.records import release_lead, reminder_prefix


@dataclass(frozen=True, slots=True)
class Recorded:
    said: str  # a short confirmation for the rep, in the rep's language
    conversation_id: int | None = None  # where a message to the customer was queued


OUTCOMES = {
    "done": FollowUpStatus.DONE,
    "no_show": FollowUpStatus.NO_SHOW,
    "noshow": FollowUpStatus.NO_SHOW,
    "reschedule": FollowUpStatus.CANCELLED,
}


async def record_outcome(
    uow: UnitOfWork,
    follow_up_id: int,
    outcome: str,
    *,
    clock: Clock,
    settings: Any,
    content: Any = None,
    actor: str | None = None,
) -> Recorded:
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown follow-up outcome {outcome!r} (done, no_show, reschedule)")
    call = await uow.follow_ups.get(follow_up_id)
    rep = await rep_by_id(uow, call.rep_id)
    rep_lang = rep_language(rep, settings) if rep else language(None, settings)
    if call.status not in ACTIVE_FOLLOW_UP:
        return Recorded(texts.text(content, "outcome_already", rep_lang, status=call.status))
    now = clock.now()
    config = settings.scheduler
    lead = await uow.leads.get(call.lead_id)
    contact = await uow.contacts.get(lead.contact_id)
    who = actor or (f"rep:{rep.id}" if rep else "staff")
    await uow.tasks.cancel(dedupe_prefix=reminder_prefix(contact.id, call.id))
    await uow.follow_ups.set_status(call, OUTCOMES[outcome])
    await uow.audit.log(
        who, f"followup.{OUTCOMES[outcome].value}", target_type="follow_up", target_id=call.id
    )
    conversation = await customer_conversation(uow, contact.id)
    if outcome == "done":
        target = LeadStatus(config.followup_done_lead_status)
        steps = _path(lead.status, target)
        for step in steps:
            await uow.leads.transition(lead, step, actor=who)
        note = (
            texts.text(content, "outcome_lead_note", rep_lang, status=lead.status) if steps else ""
        )
        if conversation is None or contact.marketing_opt_out:
            return Recorded(texts.text(content, "outcome_done_no_survey", rep_lang, lead_note=note))
        minutes = config.survey_after_followup_minutes
        await schedule_survey(
            uow,
            contact_id=contact.id,
            conversation_id=conversation.id,
            trigger="followup",
            trigger_ref=f"followup:{call.id}",
            due_at=now + timedelta(minutes=minutes),
        )
        return Recorded(
            texts.text(content, "outcome_done", rep_lang, lead_note=note, minutes=minutes)
        )
    await release_lead(uow, lead.id, now)
    if conversation is not None:
        lang = language(conversation.language or contact.language, settings)
        key = "followup_missed_customer" if outcome != "reschedule" else "followup_rebook_customer"
        text = texts.text(content, key, lang, rep=rep.name if rep else settings.business.name)
        button = Button(texts.text(content, "button_book_call", lang), "book:start")
        await uow.messages.add_outbound(conversation, **reply_fields(Reply(text, (button,))))
    key = "outcome_reschedule" if outcome == "reschedule" else "outcome_no_show"
    return Recorded(
        texts.text(content, key, rep_lang), conversation.id if conversation is not None else None
    )


def _path(current: str, target: LeadStatus) -> list[LeadStatus]:
    """The forward steps from ``current`` to ``target`` (empty if it cannot get there)."""
    if current == target.value:
        return []
    if target.value in ALLOWED[LeadStatus(current)]:
        # new -> won is not allowed directly: go through meeting_booked, as it happened.
        return [target]
    via = LeadStatus.MEETING_BOOKED
    if via.value in ALLOWED[LeadStatus(current)] and target.value in ALLOWED[via]:
        return [via, target]
    return []
