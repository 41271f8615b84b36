"""``SlackStaff``: staff messages to a rep's DM, the managers' and the sales channel (#6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.desk.slack.staff import SlackStaff, render_staff
from bot.settings.model import Settings
from channels.base import DeliveryError
from channels.slack.api import SlackApi
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models.ops import StaffMessage
from crm_store.uow import UnitOfWork
from tests.channels.slack_kit import DANIEL, fake_slack_fixture  # noqa: F401
from tests.fakes.slack_api import TOKEN, FakeSlack, block_kit_problem, buttons_of, text_of


@pytest.fixture
async def staff(
    fake_slack: FakeSlack, seeded_db: Database, clock: FakeClock, settings: Settings
) -> AsyncIterator[tuple[SlackStaff, list[float]]]:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    api = SlackApi(AsyncWebClient(token=TOKEN, base_url=fake_slack.base_url), sleep=sleep)
    yield SlackStaff(api=api, db=seeded_db, clock=clock, settings=settings), sleeps


async def rep_id(db: Database, clock: FakeClock, slack_user_id: str) -> int:
    async with UnitOfWork(db, clock) as uow:
        rep = await uow.reps.by_slack_user(slack_user_id)
        assert rep is not None
        return rep.id


def message(**fields: Any) -> StaffMessage:
    defaults: dict[str, Any] = {
        "id": 9,
        "target": "sales",
        "rep_id": None,
        "kind": "reminder",
        "text": "Call with Jo <!channel> in 15 minutes",
        "content": {},
    }
    return StaffMessage(**{**defaults, **fields})


async def test_a_rep_gets_a_dm_with_buttons(
    staff: tuple[SlackStaff, list[float]],
    fake_slack: FakeSlack,
    seeded_db: Database,
    clock: FakeClock,
) -> None:
    channel, _ = staff
    daniel = await rep_id(seeded_db, clock, DANIEL)
    content = {
        "buttons": [
            {"title": "Done", "payload": "followup:done:5"},
            {"title": "No-show", "payload": "followup:noshow:5"},
        ],
        "fields": [["Customer", "Jo Miller"], {"title": "When", "value": "10:00"}],
        "conversation_id": 12,
        "url": "https://sales.example/admin/conversations/12?a=1&b=<x>|y",
    }
    ref = await channel.deliver(
        message(target="rep", rep_id=daniel, kind="followup_check", content=content)
    )
    (opened,) = fake_slack.of("conversations.open")
    assert opened.params["users"] == DANIEL
    (posted,) = fake_slack.posts()
    assert ref == f"{posted.answer['channel']}:{posted.answer['ts']}"
    assert posted.answer["channel"] == f"D{DANIEL}"
    blocks = posted.params["blocks"]
    assert block_kit_problem(blocks) is None
    assert buttons_of(blocks) == ["followup:done:5", "followup:noshow:5"]
    actions = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["desk:followup:done:5", "desk:followup:noshow:5"]
    shown = text_of(blocks)
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in str(posted.params)
    assert "Jo Miller" in shown and "Conversation #12" in shown
    link = (
        "<https://sales.example/admin/conversations/12?a=1&amp;b=&lt;x&gt;%7Cy"
        "|Open in the dashboard>"
    )
    assert link in shown


@pytest.mark.parametrize(("target", "channel_id"), [("managers", "C0MGRS"), ("sales", "C0SALES")])
async def test_channels_for_managers_and_sales(
    staff: tuple[SlackStaff, list[float]], fake_slack: FakeSlack, target: str, channel_id: str
) -> None:
    channel, _ = staff
    ref = await channel.deliver(message(target=target, kind="digest"))
    assert ref is not None and ref.startswith(f"{channel_id}:")
    assert fake_slack.of("conversations.open") == []


async def test_a_rep_without_a_slack_id_is_a_permanent_failure(
    staff: tuple[SlackStaff, list[float]], seeded_db: Database, clock: FakeClock
) -> None:
    channel, _ = staff
    async with UnitOfWork(seeded_db, clock) as uow:
        rep = await uow.reps.upsert(
            name="No Slack", email="noslack@auralis.example", timezone="UTC"
        )
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(message(target="rep", rep_id=rep.id))
    assert caught.value.transient is False


async def test_rate_limits_and_permanent_errors(
    staff: tuple[SlackStaff, list[float]], fake_slack: FakeSlack
) -> None:
    channel, sleeps = staff
    fake_slack.fail_next("chat.postMessage", retry_after=3, times=2)
    assert await channel.deliver(message())
    assert sleeps == [3.0, 3.0]
    fake_slack.fail_next("chat.postMessage", retry_after=2, times=5)
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(message())
    assert (caught.value.transient, caught.value.retry_after) == (True, 2.0)
    assert sleeps == [3.0, 3.0, 2.0, 2.0, 2.0]  # four attempts, then back to the outbox
    fake_slack.failures.clear()
    fake_slack.fail_next("chat.postMessage", "channel_not_found")
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(message(target="managers"))
    assert caught.value.transient is False
    assert len(fake_slack.of("chat.postMessage", ok=False)) == 2 + 4 + 1


def test_long_staff_messages_fit_block_kit() -> None:
    many = [{"title": f"Button {i}", "payload": f"followup:done:{i}"} for i in range(40)]
    fields = [[f"Field {i}", "v" * 2500] for i in range(25)]
    text, blocks = render_staff(
        message(text="x " * 5000, content={"buttons": many, "fields": fields})
    )
    assert block_kit_problem(blocks) is None
    assert len(text) <= 39_000
