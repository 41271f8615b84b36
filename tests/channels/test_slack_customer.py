"""Slack as a customer channel (#6): people DM the bot and get the same hub and flows, with
Block Kit buttons; the bot ignores its own messages and anything that is not a message.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from crm_store.models import Conversation, Message
from crm_store.uow import UnitOfWork
from tests.channels.slack_kit import (  # noqa: F401
    DANIEL,
    SALES,
    SlackRig,
    fake_slack_fixture,
    slack_rig_fixture,
)
from tests.fakes.slack_api import BOT_ID, BOT_USER_ID, buttons_of, text_of

DM = "D0PARTNER1"
PARTNER = "U0PARTNER1"


async def inbound(rig: SlackRig) -> list[Message]:
    async with UnitOfWork(rig.db, rig.clock) as uow:
        stmt = select(Message).where(Message.direction == "in").order_by(Message.id)
        return list((await uow.session.scalars(stmt)).all())


async def say(rig: SlackRig, text: str, user: str = PARTNER, **extra: object) -> list[dict]:
    before = len(rig.server.posts(DM))
    await rig.event(rig.payloads.message(DM, user, text, im=True, **extra))
    await rig.drain()
    return [c.params for c in rig.server.posts(DM)[before:]]


async def test_a_dm_is_answered_with_block_kit_buttons(slack_rig: SlackRig) -> None:
    answers = await say(slack_rig, "hi")
    assert answers
    assert all(a["channel"] == DM for a in answers)
    payloads = [p for a in answers for p in buttons_of(a["blocks"])]
    assert "handoff:request" in payloads  # the menu offers a person
    action_ids = [
        e["action_id"]
        for a in answers
        for b in a["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert all(a.startswith("reply:") for a in action_ids)
    async with UnitOfWork(slack_rig.db, slack_rig.clock) as uow:
        conversation = (await uow.session.scalars(select(Conversation))).one()
        contact = await uow.contacts.by_identity("slack", PARTNER)
    assert (conversation.channel, conversation.chat_id) == ("slack", DM)
    assert contact is not None and contact.id == conversation.contact_id


async def test_a_click_on_a_customer_button_reaches_the_flow(slack_rig: SlackRig) -> None:
    answers = await say(slack_rig, "hi")
    shown = answers[-1]
    assert "lead:start" in buttons_of(shown["blocks"])
    message = {"ts": "1772463600.000009", "text": shown["text"], "blocks": shown["blocks"]}
    before = len(slack_rig.server.posts(DM))
    await slack_rig.click(PARTNER, "lead:start", channel=DM, message=message, prefix="reply:3:")
    await slack_rig.drain()
    stored = await inbound(slack_rig)
    assert stored[-1].payload == "lead:start"
    assert len(slack_rig.server.posts(DM)) > before  # the lead form asked its first question


async def test_the_bot_ignores_its_own_and_non_message_events(slack_rig: SlackRig) -> None:
    await say(slack_rig, "I am the bot", bot_id=BOT_ID)
    await say(slack_rig, "me too", user=BOT_USER_ID)
    await say(slack_rig, "edited", subtype="message_changed")
    other = {
        "type": "event_callback",
        "team_id": "T0TEAM001",
        "event_id": "Ev-home",
        "event": {"type": "app_home_opened", "user": PARTNER, "channel": DM, "tab": "home"},
    }
    response = await slack_rig.event(other)
    assert response.status_code == 200  # acked, so Slack does not retry it
    await slack_rig.drain()
    assert await inbound(slack_rig) == []
    assert slack_rig.server.posts(DM) == []


async def test_url_verification_is_answered(slack_rig: SlackRig) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}).encode()
    response = await slack_rig.post(body)
    assert response.status_code == 200
    assert "c-123" in response.text


async def test_a_slack_customer_gets_a_rep_in_their_dm(slack_rig: SlackRig) -> None:
    await say(slack_rig, "hi")
    await slack_rig.click(PARTNER, "handoff:request", channel=DM, prefix="reply:0:")
    await slack_rig.drain()
    (card,) = [c for c in slack_rig.server.posts(SALES) if "thread_ts" not in c.params]
    assert "Slack" in text_of(card.params["blocks"])
    await slack_rig.click(DANIEL, "handoff:claim:1")
    await slack_rig.drain()
    before = len(slack_rig.server.posts(DM))
    await slack_rig.thread_reply(DANIEL, "Hi, Daniel here. <!channel> is *not* for you")
    (sent,) = [c.params for c in slack_rig.server.posts(DM)[before:]]
    assert sent["blocks"][0] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "Sales team", "verbatim": True}],
    }
    # The rep's markup became plain text, then was escaped for Slack like any text.
    assert "Hi, Daniel here. @channel is not for you" in text_of(sent["blocks"])
    assert "<!channel>" not in json.dumps(sent)


async def test_a_rep_typing_in_their_dm_is_not_a_customer(slack_rig: SlackRig) -> None:
    envelope = slack_rig.payloads.message("D0DANIEL1", DANIEL, "yes it happened", im=True)
    await slack_rig.event(envelope)
    await slack_rig.event(envelope, retry=1)
    await slack_rig.drain()
    assert await inbound(slack_rig) == []
    (hint,) = slack_rig.server.posts("D0DANIEL1")
    assert "/salesbot" in hint.params["text"]
    async with UnitOfWork(slack_rig.db, slack_rig.clock) as uow:
        assert await uow.contacts.by_identity("slack", DANIEL) is None
