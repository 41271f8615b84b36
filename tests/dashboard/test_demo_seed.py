"""``salesbot demo seed``: realistic, deterministic, through the repositories, and only once."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli.demo import demo_app
from bot.demo.seed import DemoSummary, SeedRefused, seed_demo
from bot.reports.kpi_data import sales_kpis
from bot.reports.service import survey_report, unanswered_report
from bot.reports.stats import Window
from crm_store.database import Database
from crm_store.models import (
    DomainEvent,
    LeadTransition,
    Message,
    ScheduledTask,
    SurveyRequest,
    SurveyResponse,
)
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from tests.conftest import CONFIG

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


async def seed_and_read(url: str, content: Content) -> tuple[DemoSummary, dict[str, object]]:
    db = Database(url)
    try:
        made = await seed_demo(db, now=NOW, content=content, seed=7, per_week=10)
        async with UnitOfWork(db) as uow:
            s = uow.session
            kpis = await sales_kpis(s, Window(), NOW)
            surveys = await survey_report(s, Window(), splits=("language", "trigger"))
            groups = await unanswered_report(s, Window(), content)
            facts = {
                "kpis": kpis,
                "surveys": surveys.overall,
                "languages": sorted(surveys.splits["language"]),
                "triggers": sorted(surveys.splits["trigger"]),
                "groups": [(g.language, g.count) for g in groups],
                "pending_messages": await s.scalar(
                    select(func.count(Message.id)).where(Message.delivery == "pending")
                ),
                "tasks": await s.scalar(select(func.count(ScheduledTask.id))),
                "latest": max(
                    await s.scalar(select(func.max(Message.created_at))),
                    await s.scalar(select(func.max(LeadTransition.at))),
                    await s.scalar(select(func.max(SurveyResponse.created_at))),
                    await s.scalar(select(func.max(DomainEvent.at))),
                ),
                "comments_zh": await s.scalar(
                    select(func.count(SurveyResponse.id))
                    .join(SurveyRequest, SurveyRequest.id == SurveyResponse.request_id)
                    .where(SurveyResponse.kind == "comment", SurveyResponse.comment.like("%。%"))
                ),
            }
        return made, facts
    finally:
        await db.dispose()


def copy(template: Path, path: Path) -> str:
    shutil.copy(template, path)
    return f"sqlite+aiosqlite:///{path}"


def test_demo_data_is_realistic_and_deterministic(
    sqlite_template: Path, tmp_path: Path, content: Content
) -> None:
    first = asyncio.run(seed_and_read(copy(sqlite_template, tmp_path / "a.db"), content))
    second = asyncio.run(seed_and_read(copy(sqlite_template, tmp_path / "b.db"), content))
    assert first == second  # same seed, same now: the same store
    made, facts = first
    assert made.contacts == 79 and made.leads > 30 and made.handoffs > 10
    k = facts["kpis"]
    counts = [s.count for s in k.funnel.steps]  # type: ignore[attr-defined]
    assert counts == sorted(counts, reverse=True) and counts[-1] > 0  # someone won
    assert k.follow_ups.held > 0 and k.follow_ups.no_show > 0  # type: ignore[attr-defined]
    assert k.claim_minutes.count > 5 and k.cards_unclaimed >= 0  # type: ignore[attr-defined]
    assert k.human_first_response_minutes.median > 0  # type: ignore[attr-defined]
    assert k.pipeline.value > 0 and k.sales_cycle_days.count > 0  # type: ignore[attr-defined]
    surveys = facts["surveys"]
    assert 0 < surveys.answered < surveys.sent and surveys.nps.detractors > 0  # type: ignore[attr-defined]
    assert facts["languages"] == ["en", "zh"] and facts["triggers"] == ["followup", "handoff"]
    assert facts["comments_zh"] > 0
    groups = facts["groups"]
    assert {lang for lang, _ in groups} == {"en", "zh"}  # type: ignore[union-attr]
    assert groups[0][1] > 1  # type: ignore[index]
    # Nothing for `serve` to send afterwards, and nothing in the future.
    assert facts["pending_messages"] == 0 and facts["tasks"] == 0
    assert facts["latest"] < NOW  # type: ignore[operator]


async def test_demo_seed_runs_once_and_only_on_an_empty_store(
    db: Database, content: Content
) -> None:
    await seed_demo(db, now=NOW, content=content, weeks=1, per_week=3)
    with pytest.raises(SeedRefused, match="already"):
        await seed_demo(db, now=NOW, content=content, weeks=1, per_week=3, force=True)


async def test_demo_seed_leaves_real_data_alone(db: Database, content: Content) -> None:
    async with UnitOfWork(db) as uow:
        await uow.contacts.create(name="A real customer")
    with pytest.raises(SeedRefused, match="--force"):
        await seed_demo(db, now=NOW, content=content, weeks=1, per_week=3)
    made = await seed_demo(db, now=NOW, content=content, weeks=1, per_week=3, force=True)
    assert made.contacts > 0


def test_the_cli_command(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"SALESBOT_DATA_DIR": str(tmp_path)}
    args = ["seed", "--weeks", "1", "--now", "2026-03-02T15:00:00Z", "--config", str(CONFIG)]
    result = runner.invoke(demo_app, args, env=env)
    assert result.exit_code == 0, result.output
    assert "demo data:" in result.stdout and "salesbot users add" in result.stdout
    again = runner.invoke(demo_app, args, env=env)
    assert again.exit_code == 2 and "already" in again.stderr
    bad = runner.invoke(demo_app, ["seed", "--now", "soon", "--config", str(CONFIG)], env=env)
    assert bad.exit_code == 2 and "ISO 8601" in bad.stderr
