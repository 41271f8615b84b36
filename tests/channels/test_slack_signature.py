"""Requests to /slack/events must carry Slack's v0 signature (#6).

A body changed by one byte, a missing header, a stale (or future) timestamp, a wrong secret
and a request replayed byte for byte within the window are refused with 401 and change
nothing. Slack's own retries are new requests (their own retry number and send time), so
they are accepted and the duplicate guard makes them do nothing (test_slack_reliability).
"""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from channels.slack.replay import WINDOW_SECONDS, ReplayGuard
from crm_store.models import Message
from crm_store.uow import UnitOfWork
from tests.channels.slack_kit import (  # noqa: F401
    DANIEL,
    SlackRig,
    fake_slack_fixture,
    sign,
    slack_rig_fixture,
)

DM = "D0CUSTOMER1"
CUSTOMER = "U0CUST0001"


async def stored_messages(rig: SlackRig) -> int:
    async with UnitOfWork(rig.db, rig.clock) as uow:
        return int(await uow.session.scalar(select(func.count(Message.id))) or 0)


def dm_body(rig: SlackRig, text: str = "hello") -> bytes:
    return json.dumps(rig.payloads.message(DM, CUSTOMER, text, im=True)).encode()


async def refused(rig: SlackRig, body: bytes, headers: dict[str, str]) -> None:
    response = await rig.post(body, headers=headers, signed=False)
    assert response.status_code == 401, response.text
    await rig.drain()
    assert await stored_messages(rig) == 0
    assert rig.server.posts() == []


async def test_a_signed_request_is_accepted(slack_rig: SlackRig) -> None:
    body = dm_body(slack_rig)
    response = await slack_rig.post(body, headers=sign(body), signed=False)
    assert response.status_code == 200
    await slack_rig.drain()
    assert await stored_messages(slack_rig) >= 2  # the customer's message and the answer
    assert slack_rig.server.posts(DM)


async def test_one_changed_byte_is_refused(slack_rig: SlackRig) -> None:
    body = dm_body(slack_rig, "hello")
    headers = sign(body)
    tampered = body.replace(b"hello", b"hellp")
    assert len(tampered) == len(body) and tampered != body
    await refused(slack_rig, tampered, headers)


async def test_missing_headers_are_refused(slack_rig: SlackRig) -> None:
    body = dm_body(slack_rig)
    headers = sign(body)
    await refused(slack_rig, body, {})
    await refused(slack_rig, body, {"X-Slack-Signature": headers["X-Slack-Signature"]})
    await refused(
        slack_rig, body, {"X-Slack-Request-Timestamp": headers["X-Slack-Request-Timestamp"]}
    )


async def test_a_stale_or_future_timestamp_is_refused(slack_rig: SlackRig) -> None:
    body = dm_body(slack_rig)
    now = int(time.time())
    await refused(slack_rig, body, sign(body, now - 6 * 60))
    await refused(slack_rig, body, sign(body, now + 6 * 60))


async def test_a_wrong_secret_is_refused(slack_rig: SlackRig) -> None:
    body = dm_body(slack_rig)
    await refused(slack_rig, body, sign(body, secret="not-the-signing-secret"))


async def test_a_replayed_request_is_refused(slack_rig: SlackRig) -> None:
    body = dm_body(slack_rig, "hello")
    headers = sign(body)
    first = await slack_rig.post(body, headers=headers, signed=False)
    assert first.status_code == 200
    await slack_rig.drain()
    stored = await stored_messages(slack_rig)
    answers = len(slack_rig.server.posts(DM))
    for _ in range(2):
        again = await slack_rig.post(body, headers=headers, signed=False)
        assert again.status_code == 401, again.text
    await slack_rig.drain()
    assert await stored_messages(slack_rig) == stored
    assert len(slack_rig.server.posts(DM)) == answers


async def test_a_replay_with_a_changed_retry_header_is_still_refused(slack_rig: SlackRig) -> None:
    # The signature does not cover X-Slack-Retry-Num, so a replayer can set it at will.
    body = dm_body(slack_rig, "hello")
    headers = sign(body)
    assert (await slack_rig.post(body, headers=headers, signed=False)).status_code == 200
    for retry in ("1", "2", "junk"):
        replay = {**headers, "X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"}
        response = await slack_rig.post(body, headers=replay, signed=False)
        assert response.status_code == 401, retry


async def test_a_replayed_click_is_refused(slack_rig: SlackRig) -> None:
    # Interactivity and slash commands arrive on the same URL and are guarded the same way.
    click = slack_rig.payloads.click(DANIEL, "handoff:claim:999")
    headers = sign(click)
    first = await slack_rig.post(click, form=True, headers=headers, signed=False)
    again = await slack_rig.post(click, form=True, headers=headers, signed=False)
    assert (first.status_code, again.status_code) == (200, 401)


def test_the_guard_forgets_requests_once_their_signature_has_expired() -> None:
    now = [1_000_000.0]
    guard = ReplayGuard(now=lambda: now[0])
    assert guard.first_time("1000000", "v0=a")
    assert not guard.first_time("1000000", "v0=a")
    assert guard.first_time("1000001", "v0=b")  # Slack's retry: sent (and signed) later
    assert not guard.first_time("not-a-number", "v0=c")
    now[0] += WINDOW_SECONDS + 2  # bolt would refuse the old timestamps as stale by now
    assert guard.first_time("1000303", "v0=d")
    assert len(guard) == 1


async def test_clicks_and_commands_are_verified_too(slack_rig: SlackRig) -> None:
    click = slack_rig.payloads.click(DANIEL, "handoff:claim:1")
    response = await slack_rig.post(click, form=True, signed=False)
    assert response.status_code == 401
    command = slack_rig.payloads.command(DANIEL, "handoffs", slack_rig.server.response_url())
    stale = sign(command, int(time.time()) - 600)
    response = await slack_rig.post(command, form=True, headers=stale, signed=False)
    assert response.status_code == 401
    await slack_rig.drain()
    assert slack_rig.server.responses == [] and slack_rig.server.calls[1:] == []
