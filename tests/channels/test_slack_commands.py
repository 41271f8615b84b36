"""``/salesbot`` (#6): leads, followups, handoffs, report, find; ephemeral Block Kit answers
through the command's ``response_url``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from crm_store.clock import FakeClock
from crm_store.models.ops import User
from crm_store.uow import UnitOfWork
from dialogs.core.transcript import address_key
from tests.channels.slack_kit import (  # noqa: F401
    DANIEL,
    LENA,
    STRANGER,
    SlackRig,
    fake_slack_fixture,
    slack_rig_fixture,
)
from tests.driver import Chat
from tests.fakes.slack_api import block_kit_problem, text_of


def shown(responses: list[dict[str, Any]]) -> str:
    for response in responses:
        assert response["response_type"] == "ephemeral"
        assert block_kit_problem(response["blocks"]) is None
    return "\n".join(text_of(r["blocks"]) for r in responses)


async def customer_with_lead(rig: SlackRig, name: str, email: str, owner: str | None) -> int:
    chat_id = f"web-{email}"
    chat = Chat(rig.hub, rig.adapters["webchat"], chat_id, chat_id, display_name=name)
    await chat.say("hello")
    async with UnitOfWork(rig.db, rig.clock) as uow:
        conversation = await uow.conversations.open_at(address_key(chat.address))
        assert conversation is not None
        contact = await uow.contacts.get(conversation.contact_id)
        await uow.contacts.update(contact, name=name, email=email, company="Acme Rooms")
        rep = await uow.reps.by_slack_user(owner) if owner else None
        lead = await uow.leads.create(
            contact.id, source_channel="webchat", score=60, product_interest="cam4k"
        )
        if rep is not None:
            await uow.leads.update(lead, owner_rep_id=rep.id)
        return lead.id


async def test_leads_lists_only_my_open_leads(slack_rig: SlackRig) -> None:
    await customer_with_lead(slack_rig, "Jo <!channel> Miller", "jo@acme.example", DANIEL)
    await customer_with_lead(slack_rig, "Sam Ortiz", "sam@acme.example", LENA)
    text = shown(await slack_rig.command(DANIEL, "leads"))
    assert "Jo &lt;!channel&gt; Miller" in text and "score 60" in text
    assert "Sam Ortiz" not in text
    assert "not set up as a rep" in shown(await slack_rig.command(STRANGER, "leads"))


async def test_followups_show_my_time_and_the_customers(slack_rig: SlackRig) -> None:
    lead_id = await customer_with_lead(slack_rig, "Jo Miller", "jo@acme.example", DANIEL)
    start = slack_rig.clock.now() + timedelta(days=1)  # Tuesday 15:00 UTC
    async with UnitOfWork(slack_rig.db, slack_rig.clock) as uow:
        daniel = await uow.reps.by_slack_user(DANIEL)
        assert daniel is not None
        await uow.follow_ups.book(
            lead_id=lead_id,
            rep_id=daniel.id,
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
            customer_timezone="Europe/London",
        )
    text = shown(await slack_rig.command(DANIEL, "followups"))
    assert "Tue 03 Mar 10:00 your time" in text  # New York
    assert "Tue 15:00 Europe/London for them" in text and "Jo Miller" in text
    assert "No follow-ups" in shown(await slack_rig.command(LENA, "followups"))


async def test_handoffs_lists_open_handoffs(slack_rig: SlackRig) -> None:
    chat = Chat(slack_rig.hub, slack_rig.adapters["webchat"], "web-h", "web-h", display_name="Kim")
    await chat.click("handoff:request", "Talk to sales")
    await slack_rig.drain()
    slack_rig.clock.advance(minutes=12)
    text = shown(await slack_rig.command(LENA, "handoffs"))
    assert "#1 *Kim* (Web chat) — *unclaimed*, 12 min ago" in text


async def answered_survey(rig: SlackRig, *, days_ago: int, csat: int, nps: int) -> None:
    async with UnitOfWork(rig.db, rig.clock) as uow:
        contact = await uow.contacts.create(name=f"Surveyed {days_ago}")
        when = rig.clock.now() - timedelta(days=days_ago)
        request, _ = await uow.surveys.request(
            contact_id=contact.id, channel="webchat", trigger="handoff", trigger_ref=f"t{days_ago}"
        )
        request.sent_at = when
        uow.clock = FakeClock(when)
        uow.surveys.clock = uow.clock
        await uow.surveys.respond(request, "csat", score=csat)
        await uow.surveys.respond(request, "nps", score=nps)


async def test_report_is_for_managers(slack_rig: SlackRig) -> None:
    await customer_with_lead(slack_rig, "Jo Miller", "jo@acme.example", DANIEL)
    refused = shown(await slack_rig.command(DANIEL, "report"))
    assert "for managers" in refused
    in_managers_channel = shown(
        await slack_rig.command(DANIEL, "report", channel="C0MGRS", channel_name="sales-managers")
    )
    assert "for managers" not in in_managers_channel
    async with UnitOfWork(slack_rig.db, slack_rig.clock) as uow:
        lena = await uow.reps.by_slack_user(LENA)
        assert lena is not None
        uow.session.add(
            User(
                username="lena",
                password_hash="x",
                role="manager",
                rep_id=lena.id,
                created_at=slack_rig.clock.now(),
            )
        )
    await answered_survey(slack_rig, days_ago=2, csat=5, nps=10)
    await answered_survey(slack_rig, days_ago=20, csat=1, nps=0)
    text = shown(await slack_rig.command(LENA, "report"))
    assert "*Last 7 days* — CSAT 5.00/5 (1) · NPS +100 (1) · 1 sent, 100% answered" in text
    assert "*Last 30 days* — CSAT 3.00/5 (2) · NPS +0 (2) · 2 sent, 100% answered" in text
    assert "Leads by status* — new: 1" in text
    assert "Leads by channel* — Web chat: 1" in text


async def test_find_and_usage(slack_rig: SlackRig) -> None:
    await customer_with_lead(slack_rig, "Jo Miller", "jo@acme.example", None)
    text = shown(await slack_rig.command(STRANGER, "find jo@acme"))
    assert "Jo Miller" in text and "jo@acme.example" in text and "Acme Rooms" in text
    assert "No customers found" in shown(await slack_rig.command(DANIEL, "find nobody"))
    assert "`leads`" in shown(await slack_rig.command(DANIEL, ""))
    assert "`find <email|phone|name>`" in shown(await slack_rig.command(DANIEL, "dance"))
