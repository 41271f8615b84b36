"""Privacy fixtures: a fake Slack Web API and a hub whose handoff service is the real
Slack desk posting to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.desk.slack.desk import SlackDesk
from bot.privacy.slack_cleanup import SlackEraser
from bot.settings.model import Settings
from channels.slack.api import SlackApi
from channels.slack.background import Background
from crm_store.clock import FakeClock
from crm_store.database import Database
from dialogs.core.events import HandoffEvent
from tests.privacy.fake_slack import TOKEN, FakeSlack, running_fake_slack


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with running_fake_slack() as fake:
        yield fake


@pytest.fixture
def slack_client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=slack.url)


@pytest.fixture
def eraser(slack_client: AsyncWebClient) -> SlackEraser:
    return SlackEraser(slack_client)


class DrainedDesk:
    """The real Slack desk, waited for: its posts run in the background in production."""

    def __init__(self, desk: SlackDesk, background: Background) -> None:
        self.desk, self.background = desk, background

    async def notify(self, event: HandoffEvent) -> None:
        await self.desk.notify(event)
        assert await self.background.drain(within=10)


@pytest.fixture
async def handoff(
    seeded_db: Database, clock: FakeClock, settings: Settings, slack_client: AsyncWebClient
) -> AsyncIterator[DrainedDesk]:
    # Overrides tests/conftest.py's InMemoryHandoff: the hub fixture picks this one up.
    background = Background()
    desk = SlackDesk(
        api=SlackApi(slack_client),
        db=seeded_db,
        clock=clock,
        settings=settings,
        background=background,
    )
    yield DrainedDesk(desk, background)
    await background.close()
