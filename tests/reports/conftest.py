"""The hand-checked store of ``tests.reports.known``, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.reports.stats import Window, window_of
from crm_store.database import Database
from tests.reports.known import SINCE, TZ, UNTIL, Known, seed_known


@pytest.fixture
async def known(db: Database) -> Known:
    return await seed_known(db)


@pytest.fixture
def period() -> Window:
    return window_of(SINCE, UNTIL, TZ)
