"""Storing a consented lead form: consent, contact (merged on e-mail/phone), lead and score.

Runs only after the customer said yes to storing their details; nothing of the form is
written before that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm_store.models import Contact, Lead, LeadStatus
from dialogs.core.content import LeadForm
from dialogs.core.events import HandoffEvent
from dialogs.core.turn import Turn
from dialogs.flows.lead.questions import CONTACT_FIELDS
from dialogs.flows.lead.scoring import LeadScore, score_lead


@dataclass(frozen=True)
class Stored:
    contact: Contact
    lead: Lead
    score: LeadScore
    merged: bool  # the e-mail or phone belonged to a contact we already knew


async def store_lead(turn: Turn, answers: dict[str, Any], consent_text: str) -> Stored:
    uow = turn.uow
    form = turn.content.lead_form
    channel = turn.conversation.channel
    contact, merged = await _update_contact(
        turn, {t: _mapped(answers, form, t) for t in CONTACT_FIELDS}
    )
    turn.contact = contact
    # The merge moved the conversation in SQL; keep the loaded row in step with it.
    turn.conversation.contact_id = contact.id
    await uow.consents.record(
        contact.id,
        purpose=form.consent.purpose,
        text_shown=consent_text,
        granted=True,
        channel=channel,
    )
    lead = await uow.leads.open_for_contact(contact.id)
    all_answers = {**(lead.answers if lead else {}), **answers}
    score = score_lead(all_answers, form.scoring)
    interest = _mapped(all_answers, form, "product_interest")
    budget = _mapped(all_answers, form, "estimated_value")
    if lead is None:
        lead = await uow.leads.create(
            contact.id,
            source_channel=channel,
            campaign=turn.state.campaign,
            product_interest=interest,
            estimated_value=float(budget) if budget is not None else None,
            score=score.points,
            answers=all_answers,
        )
    else:
        # One open lead per person: a second enquiry enriches it instead of duplicating it.
        await uow.leads.update(
            lead,
            answers=all_answers,
            score=score.points,
            product_interest=interest or lead.product_interest,
            estimated_value=float(budget) if budget is not None else lead.estimated_value,
            campaign=lead.campaign or turn.state.campaign,
        )
    if score.qualified and lead.status == LeadStatus.NEW:
        await uow.leads.transition(lead, LeadStatus.QUALIFIED)
        turn.events.append(
            HandoffEvent(
                kind="lead_qualified",
                conversation_id=turn.conversation.id,
                contact_id=contact.id,
                reason="lead_qualified",
                lead_id=lead.id,
            )
        )
    await uow.audit.log(
        "bot",
        "lead.captured",
        target_type="lead",
        target_id=lead.id,
        detail={"score": score.points, "merged": merged, "channel": channel},
    )
    return Stored(contact, lead, score, merged)


async def _update_contact(turn: Turn, answers: dict[str, Any]) -> tuple[Contact, bool]:
    contacts = turn.uow.contacts
    contact = turn.contact
    changes = {
        name: answers[name]
        for name in CONTACT_FIELDS
        if answers.get(name) and _differs(getattr(contact, name), answers[name])
    }
    if not changes:
        return contact, False
    match = await contacts.find_match(
        email=changes.get("email"), phone=changes.get("phone"), exclude_id=contact.id
    )
    survivor = await contacts.update(contact, **changes)
    newer = {k: v for k, v in changes.items() if k in ("name", "company")}
    if survivor.id != contact.id and newer:
        # The merge keeps the older contact's own values. A name or company just typed is
        # newer, so it wins; e-mail and phone stay, since other channels know the person by them.
        survivor = await contacts.update(survivor, **newer)
    return survivor, match is not None


def _mapped(answers: dict[str, Any], form: LeadForm, target: str) -> Any:
    """The answer that fills ``target``, whatever the business named its field."""
    form_field = form.field_for(target)
    return answers.get(form_field.name) if form_field is not None else None


def _differs(current: Any, new: Any) -> bool:
    if isinstance(current, str) and isinstance(new, str):
        return current.strip().casefold() != new.strip().casefold()
    return current != new
