"""Slack's delivery semantics (#6): retries and duplicates, racing clicks, slow dependencies,
rate limits and permanent errors.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from crm_store.models import Message
from crm_store.uow import UnitOfWork
from tests.channels.slack_kit import (  # noqa: F401
    DANIEL,
    LENA,
    SALES,
    SlackRig,
    fake_slack_fixture,
    slack_rig_fixture,
)
from tests.driver import Chat

DM = "D0CUSTOMER1"
CUSTOMER = "U0CUST0001"


def web_chat(rig: SlackRig, chat_id: str = "web-jo") -> Chat:
    return Chat(
        rig.hub, rig.adapters["webchat"], chat_id=chat_id, user_id=chat_id, display_name="Jo Miller"
    )


async def handoff(rig: SlackRig, chat: Chat) -> None:
    await chat.click("handoff:request", "Talk to sales")
    await rig.drain()


async def messages(rig: SlackRig, **where: Any) -> list[Message]:
    async with UnitOfWork(rig.db, rig.clock) as uow:
        stmt = select(Message).filter_by(**where).order_by(Message.id)
        return list((await uow.session.scalars(stmt)).all())


async def deliver_four_times(rig: SlackRig, envelope: dict[str, Any]) -> None:
    """Retry numbers 0-3 as Slack sends them: the first two and the last two at once."""
    body = json.dumps(envelope).encode()
    first = await asyncio.gather(rig.post(body), rig.post(body, retry=1))
    rest = await asyncio.gather(rig.post(body, retry=2), rig.post(body, retry=3))
    assert [r.status_code for r in (*first, *rest)] == [200] * 4
    await rig.drain()


async def test_a_customer_event_delivered_four_times_is_answered_once(slack_rig: SlackRig) -> None:
    control = slack_rig.payloads.message("D0CONTROL1", "U0CONTROL1", "hi", im=True)
    await slack_rig.event(control)
    await slack_rig.drain()
    answers_to_one = len(slack_rig.server.posts("D0CONTROL1"))
    assert answers_to_one >= 1

    await deliver_four_times(slack_rig, slack_rig.payloads.message(DM, CUSTOMER, "hi", im=True))
    inbound = await messages(slack_rig, direction="in", channel="slack")
    assert [m.text for m in inbound if m.channel_message_id.startswith(DM)] == ["hi"]
    assert len(slack_rig.server.posts(DM)) == answers_to_one


async def test_a_rep_reply_delivered_four_times_reaches_the_customer_once(
    slack_rig: SlackRig,
) -> None:
    chat = web_chat(slack_rig)
    await handoff(slack_rig, chat)
    await slack_rig.click(DANIEL, "handoff:claim:1")
    await slack_rig.drain()
    before = len(chat.replies)
    card = await slack_rig.card(1)
    assert card.channel and card.ts
    reply = slack_rig.payloads.message(card.channel, DANIEL, "Happy to help!", thread_ts=card.ts)
    await deliver_four_times(slack_rig, reply)
    assert [r.text for r in chat.replies[before:]] == ["Happy to help!"]
    assert len(await messages(slack_rig, role="agent")) == 1


async def test_two_reps_claiming_at_once_make_one_owner(slack_rig: SlackRig) -> None:
    await handoff(slack_rig, web_chat(slack_rig))
    responses = await asyncio.gather(
        slack_rig.click(DANIEL, "handoff:claim:1"), slack_rig.click(LENA, "handoff:claim:1")
    )
    assert [r.status_code for r in responses] == [200, 200]
    await slack_rig.drain()
    card = await slack_rig.card(1)
    async with UnitOfWork(slack_rig.db, slack_rig.clock) as uow:
        owner = await uow.reps.get(card.claimed_by_rep_id or 0)
    loser = LENA if owner.slack_user_id == DANIEL else DANIEL
    told = slack_rig.server.ephemerals(loser)
    assert len(told) == 1
    assert told[0].params["text"] == f"Already claimed by <@{owner.slack_user_id}>."
    assert slack_rig.server.ephemerals(owner.slack_user_id) == []
    joined = [r.text for r in web_chat(slack_rig).replies if "joined" in r.text]
    assert joined == [f"{owner.name} from Auralis Meeting Systems has joined the chat."]


async def test_a_slow_dependency_does_not_delay_the_ack(
    slack_rig: SlackRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one test on a real clock: the hub takes up to 10 s, Slack hears back at once."""
    gate = asyncio.Event()
    receive = slack_rig.hub.receive

    async def slow_receive(inbound: Any) -> Any:
        await asyncio.wait_for(gate.wait(), 10)  # a 10-second dependency, unless released
        return await receive(inbound)

    monkeypatch.setattr(slack_rig.hub, "receive", slow_receive)
    body = json.dumps(slack_rig.payloads.message(DM, CUSTOMER, "hi", im=True)).encode()
    started = time.perf_counter()
    response = await asyncio.wait_for(slack_rig.post(body), 5)
    acked_after = time.perf_counter() - started
    assert response.status_code == 200
    assert acked_after < 3.0, f"acked after {acked_after:.2f}s"
    assert slack_rig.server.posts(DM) == []  # the work is still waiting on the dependency
    gate.set()
    await slack_rig.drain()
    assert slack_rig.server.posts(DM), "the work continued after the ack"


async def test_a_slow_slack_api_does_not_delay_a_click_ack(slack_rig: SlackRig) -> None:
    await handoff(slack_rig, web_chat(slack_rig))
    gate = slack_rig.server.hold("chat.update")
    started = time.perf_counter()
    response = await asyncio.wait_for(slack_rig.click(DANIEL, "handoff:claim:1"), 5)
    assert response.status_code == 200
    assert time.perf_counter() - started < 3.0
    gate.set()
    await slack_rig.drain()
    assert slack_rig.server.of("chat.update")
    assert (await slack_rig.card(1)).status == "claimed"


async def test_a_rate_limited_post_is_retried_after_retry_after(slack_rig: SlackRig) -> None:
    slack_rig.server.fail_next("chat.postMessage", retry_after=7)
    await handoff(slack_rig, web_chat(slack_rig))
    assert slack_rig.sleeps == [7.0]
    assert len(slack_rig.server.of("chat.postMessage", ok=False)) == 1
    cards = slack_rig.server.posts(SALES)
    assert len(cards) == 1
    assert (await slack_rig.card(1)).ts == cards[0].answer["ts"]


async def test_a_long_rate_limit_goes_back_to_the_outbox(slack_rig: SlackRig) -> None:
    slack_rig.server.fail_next("chat.postMessage", retry_after=120)
    await slack_rig.event(slack_rig.payloads.message(DM, CUSTOMER, "hi", im=True))
    await slack_rig.drain()
    assert slack_rig.sleeps == []  # two minutes are not waited inline
    pending = await messages(slack_rig, direction="out", delivery="pending")
    assert pending
    assert pending[0].next_attempt_at == slack_rig.clock.now() + timedelta(seconds=120)
    slack_rig.clock.advance(seconds=121)
    assert await slack_rig.hub.outbox.deliver_due() == len(pending)
    assert len(slack_rig.server.posts(DM)) == len(pending)


async def test_a_permanent_error_is_reported_not_retried(
    slack_rig: SlackRig, caplog: pytest.LogCaptureFixture
) -> None:
    slack_rig.server.fail_next("chat.postMessage", "channel_not_found", times=3)
    with caplog.at_level(logging.ERROR, logger="channels.slack"):
        await handoff(slack_rig, web_chat(slack_rig))
    assert len(slack_rig.server.of("chat.postMessage", ok=False)) == 1
    assert slack_rig.sleeps == []
    assert any("channel_not_found" in r.getMessage() for r in caplog.records)
    assert (await slack_rig.card(1)).ts is None
    # Once the channel exists (the failures are used up), the card left behind is posted.
    slack_rig.server.failures.clear()
    assert await slack_rig.hooks.desk.repost_unposted() == 1
    assert (await slack_rig.card(1)).ts is not None


async def test_a_permanent_error_to_a_slack_customer_fails_the_message(slack_rig: SlackRig) -> None:
    slack_rig.server.fail_next("chat.postMessage", "not_in_channel")
    await slack_rig.event(slack_rig.payloads.message(DM, CUSTOMER, "hi", im=True))
    await slack_rig.drain()
    failed = await messages(slack_rig, direction="out", delivery="failed")
    assert len(failed) == 1 and failed[0].attempts == 1
    assert "not_in_channel" in (failed[0].last_error or "")
