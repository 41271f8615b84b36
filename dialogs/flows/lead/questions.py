"""The lead form's questions: which one is next, and how it is asked (text and buttons).

Progress lives in the dialog state only (``state.step`` is the pending question,
``state.data`` holds ``answers``, ``skipped`` and the consent text shown), so a restarted
process asks exactly the next question.
"""

from __future__ import annotations

from typing import Any

from crm_store.models import Contact
from dialogs.core.content import FormField, LeadForm
from dialogs.core.turn import Turn
from dialogs.core.types import Button

CONSENT = "consent"  # the step after the last field
# Contact columns a form field can fill (by its name or ``maps_to``).
CONTACT_FIELDS = ("name", "email", "phone", "company")


def prefilled(form: LeadForm, contact: Contact) -> dict[str, Any]:
    """Answers already known from the contact, so a returning customer is not asked again."""
    known = {}
    for target in CONTACT_FIELDS:
        form_field = form.field_for(target)
        if form_field is not None and getattr(contact, target):
            known[form_field.name] = getattr(contact, target)
    return known


def field_named(form: LeadForm, name: str | None) -> FormField | None:
    return next((f for f in form.fields if f.name == name), None)


def next_field(form: LeadForm, answers: dict[str, Any], skipped: list[str]) -> FormField | None:
    """The first question neither answered nor skipped (corrections may answer ahead)."""
    for form_field in form.fields:
        if form_field.name in answers or form_field.name in skipped:
            continue
        if applies(form_field, answers):
            return form_field
    return None


def applies(form_field: FormField, answers: dict[str, Any]) -> bool:
    """Whether the question is asked at all, given the answers so far (``ask_if``)."""
    condition = form_field.ask_if
    if condition is None:
        return True
    given = answers.get(condition.field)
    if isinstance(given, list):  # several choices: any of them
        return condition.equals in given
    return given == condition.equals


def relevant(form: LeadForm, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers without those to questions that no longer apply: a corrected earlier
    answer can make an answered conditional question moot, and it is not stored."""
    moot = {f.name for f in form.fields if not applies(f, answers)}
    return {name: value for name, value in answers.items() if name not in moot}


def buttons_for(turn: Turn, form_field: FormField) -> tuple[Button, ...]:
    buttons = [
        Button(choice.label.get(turn.lang), f"lead:choice:{choice.value}")
        for choice in form_field.choices
    ]
    if not form_field.required:
        buttons.append(turn.button("button_skip", "lead:skip"))
    if buttons:
        buttons.append(turn.button("button_cancel", "lead:cancel"))
    return tuple(buttons)


def consent_text(turn: Turn) -> str:
    """The configured consent wording (the texts' generic question if it is left empty)."""
    configured = turn.content.lead_form.consent.text.get(turn.lang).strip()
    return configured or turn.t("lead_consent_question")


def consent_buttons(turn: Turn) -> tuple[Button, ...]:
    return (
        turn.button("button_yes", "lead:consent:yes"),
        turn.button("button_no", "lead:consent:no"),
    )


def ask(turn: Turn, *, resume: bool = False) -> None:
    """Ask the pending question (``state.step``); ``resume`` after an interruption."""
    form = turn.content.lead_form
    step = turn.state.step
    if step == CONSENT:
        text = consent_text(turn)
        # Recorded with the consent: exactly the wording the customer saw last.
        turn.state.data = {**turn.state.data, "consent_text": text}
        buttons = consent_buttons(turn)
    else:
        form_field = field_named(form, step)
        if form_field is None:
            return
        text = form_field.prompt.get(turn.lang)
        buttons = buttons_for(turn, form_field)
    turn.say(turn.t("lead_resume", question=text) if resume else text, buttons)


def advance(turn: Turn) -> None:
    """Move to the next unanswered question (or to consent) and ask it."""
    data = turn.state.data
    upcoming = next_field(turn.content.lead_form, data.get("answers", {}), data.get("skipped", []))
    turn.state.step = upcoming.name if upcoming else CONSENT
    ask(turn)
