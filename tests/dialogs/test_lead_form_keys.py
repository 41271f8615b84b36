"""The lead form's own keys (#16): `maps_to` fills the CRM's columns, `ask_if` skips questions."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from bot.handoff import InMemoryHandoff
from bot.hub import ConversationHub
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import Contact, Lead
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content, LeadForm
from dialogs.flows.lead.questions import next_field, relevant
from dialogs.nlu import NluService
from tests.conftest import demo_hub
from tests.driver import Chat, RecordingAdapter

RENAMED = {
    "email": {"name": "work_email", "maps_to": "email"},
    "product_interest": {"name": "which_product", "maps_to": "product_interest"},
    "budget": {"name": "spend", "maps_to": "estimated_value"},
}


def renamed(form: LeadForm) -> LeadForm:
    data = form.model_dump()
    for field in data["fields"]:
        field.update(RENAMED.get(field["name"], {}))
    for rule in data["scoring"]["rules"]:
        rule["field"] = RENAMED.get(rule["field"], {}).get("name", rule["field"])
    return LeadForm.model_validate(data)


@pytest.fixture
def hub(
    seeded_db: Database,
    clock: FakeClock,
    settings: Settings,
    content: Content,
    understanding: NluService,
    adapters: dict[str, RecordingAdapter],
    handoff: InMemoryHandoff,
) -> ConversationHub:
    content = dataclasses.replace(content, lead_form=renamed(content.lead_form))
    return demo_hub(seeded_db, clock, settings, content, understanding, adapters, handoff)


async def test_renamed_fields_fill_the_contact_and_the_lead(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    await chat.say("I want a quote")
    for answer in ("Jo Miller", "jo@acme.com", "skip", "skip", "12", "lead:choice:bar"):
        await (chat.click(answer) if answer.startswith("lead:") else chat.say(answer))
    await chat.say("within a month")
    await chat.say("$30k")
    await chat.say("yes")
    async with UnitOfWork(db, clock) as uow:
        [contact] = (await uow.session.scalars(select(Contact))).all()
        [lead] = (await uow.session.scalars(select(Lead))).all()
    assert contact.email == "jo@acme.com"
    assert (lead.product_interest, lead.estimated_value) == ("bar", 30000)
    assert lead.answers["work_email"] == "jo@acme.com"
    assert lead.answers["spend"] == 30000


def test_old_names_still_fill_the_columns(content: Content) -> None:
    form = content.lead_form
    assert form.field_for("estimated_value").name == "budget"  # type: ignore[union-attr]
    assert form.field_for("product_interest").name == "product_interest"  # type: ignore[union-attr]
    assert renamed(form).field_for("email").name == "work_email"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"maps_to": "estimated_value"}, "needs validator number"),
        ({"maps_to": "revenue"}, "Input should be"),
    ],
)
def test_a_wrong_maps_to_is_refused_on_one_line(
    content: Content, change: dict[str, Any], message: str
) -> None:
    data = content.lead_form.model_dump()
    data["fields"][0].update(change)  # "name": free text
    with pytest.raises(ValidationError, match=message):
        LeadForm.model_validate(data)


def test_two_fields_mapped_to_one_column_are_refused(content: Content) -> None:
    data = content.lead_form.model_dump()
    data["fields"][0]["maps_to"] = "company"
    data["fields"][3]["maps_to"] = "company"
    with pytest.raises(ValidationError, match=r"fields\.3\.maps_to: more than one field"):
        LeadForm.model_validate(data)


# ── ask_if ───────────────────────────────────────────────────────────────
def conditional(content: Content) -> LeadForm:
    """The demo form asking the budget only of those interested in the Bar."""
    data = content.lead_form.model_dump()
    budget = next(f for f in data["fields"] if f["name"] == "budget")
    budget["ask_if"] = {"field": "product_interest", "equals": "bar"}
    return LeadForm.model_validate(data)


def test_a_conditional_question_is_asked_only_when_its_condition_holds(content: Content) -> None:
    form = conditional(content)
    asked = {"name": "Jo", "email": "jo@a.com", "rooms": 3, "timeline": "lt1m"}
    assert next_field(form, {**asked, "product_interest": "bar"}, ["phone", "company"]).name == (  # type: ignore[union-attr]
        "budget"
    )
    assert next_field(form, {**asked, "product_interest": "cam4k"}, ["phone", "company"]) is None
    assert next_field(form, asked, ["phone", "company", "product_interest"]) is None
    # Several choices: the condition holds when one of them is the value.
    assert next_field(form, {**asked, "product_interest": ["cam4k", "bar"]}, ["phone", "company"])


def test_an_answer_made_moot_by_a_correction_is_not_stored(content: Content) -> None:
    form = conditional(content)
    answers = {"product_interest": "cam4k", "budget": 5000, "rooms": 3}
    assert relevant(form, answers) == {"product_interest": "cam4k", "rooms": 3}


def test_ask_if_on_a_later_or_unknown_field_is_one_error(content: Content) -> None:
    data = content.lead_form.model_dump()
    data["fields"][0]["ask_if"] = {"field": "budget", "equals": 1}
    with pytest.raises(ValidationError, match=r"fields\.0\.ask_if\.field: no earlier form field"):
        LeadForm.model_validate(data)
    data["fields"][0]["ask_if"] = {"field": "rooms", "value": 1}
    with pytest.raises(ValidationError, match="equals"):
        LeadForm.model_validate(data)
