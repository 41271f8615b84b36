"""The weekly digest for the managers: its numbers and its text (en, zh).

When it runs is the scheduler's business (``scheduler.digest_weekday``/``digest_time``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.reports.digest import build_weekly_digest
from bot.settings.model import Settings
from crm_store.database import Database
from crm_store.uow import UnitOfWork
from tests.reports.known import Known

# The week [Feb 6, Feb 13) of the hand-checked store.
NOW = datetime(2026, 2, 13, 0, 0, tzinfo=UTC)


async def test_digest_numbers_text_and_content(
    db: Database, known: Known, settings: Settings
) -> None:
    async with UnitOfWork(db) as uow:
        text, content = await build_weekly_digest(uow, NOW, settings)
    # Surveys answered Feb 7, 9, 11: CSAT 4, 4, 3 -> 3.67; NPS 9, 10, 8 -> 66.7. The week
    # before (Feb 3, 5): CSAT 5, 5 and NPS 10, 9. Leads L3-L7 (5) vs L1-L2 (2); L3 won.
    assert content["numbers"] == {
        "csat_average": 3.67,
        "nps_score": 66.7,
        "survey_responses": 3,
        "leads": 5,
        "won": 1,
        "pipeline_value": 4350.0,
    }
    fields = {f["title"]: f["value"] for f in content["fields"]}
    assert fields["CSAT"] == "3.67 / 5 (3 answers); last week 5"
    assert fields["NPS"] == "66.7 (3 answers); last week 100"
    assert fields["New leads"] == "5; last week 2"
    assert content["title"] == "Weekly sales digest 2026-02-05 – 2026-02-12"  # New York dates
    [questions] = content["sections"]
    assert questions["items"][0] == {"text": "Do you ship to Brazil?", "count": 2, "language": "en"}
    assert len(questions["items"]) == 3
    assert content["links"][0]["url"].endswith("/admin/surveys")
    assert "• CSAT: 3.67 / 5" in text and "1. Do you ship to Brazil? (2×)" in text


async def test_digest_of_an_empty_week_in_chinese(db: Database, settings: Settings) -> None:
    zh = settings.model_copy(
        update={"business": settings.business.model_copy(update={"default_language": "zh"})}
    )
    async with UnitOfWork(db) as uow:
        text, content = await build_weekly_digest(uow, NOW, zh)
    assert content["numbers"]["csat_average"] is None and content["sections"] == []
    assert text.startswith("每周销售简报") and "暂无回答" in text
