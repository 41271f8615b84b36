"""One computation, three views: the dashboard, ``salesbot report`` and the API agree.

The hand-checked store is read by the CLI (a real ``salesbot report`` run on the SQLite
file), by the API (``/api/v1/surveys/summary``, ``/api/v1/kpis/...``) and by the dashboard
(its CSV exports); the numbers must be the hand-checked ones, in all three.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from bot.cli.report import report_app
from bot.reports.stats import window_of
from bot.runtime import Runtime
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.repositories.api_tokens import ApiTokenRepository
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from tests.conftest import CONFIG
from tests.dashboard.conftest import NOW, Browser, add_users, dashboard_app
from tests.reports.known import EXPECTED, SINCE, TZ, UNTIL, seed_known

runner = CliRunner()


def cli(env: dict[str, str], *args: str) -> str:
    result = runner.invoke(
        report_app, [*args, "--since", SINCE, "--until", UNTIL, "--config", str(CONFIG)], env=env
    )
    assert result.exit_code == 0, result.output
    return result.stdout


async def prepare(url: str, password_hash: str) -> str:
    db = Database(url)
    try:
        known = await seed_known(db)
        clock = FakeClock(NOW)
        await add_users(db, clock, known, password_hash)
        async with UnitOfWork(db, clock) as uow:
            _, token = await ApiTokenRepository(uow.session, clock).create("manager")
        return token
    finally:
        await db.dispose()


async def web(url: str, token: str, settings: Settings, content: Content) -> dict[str, Any]:
    db = Database(url)
    runtime = Runtime(settings, content, db, FakeClock(NOW))
    window = window_of(SINCE, UNTIL, TZ)
    period = {"since": window.since.isoformat(), "until": window.until.isoformat()}
    dash_period = f"since={SINCE}&until={UNTIL}"
    transport = httpx.ASGITransport(app=dashboard_app(runtime))
    got: dict[str, Any] = {}
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            auth = {"Authorization": f"Bearer {token}"}
            got["api_surveys"] = (
                await http.get(
                    "/api/v1/surveys/summary",
                    params={**period, "group_by": "channel"},
                    headers=auth,
                )
            ).json()
            got["api_kpis"] = (
                await http.get(
                    "/api/v1/kpis/sales", params={**period, "group_by": "rep"}, headers=auth
                )
            ).json()
            got["api_unanswered"] = (
                await http.get("/api/v1/kpis/unanswered", params=period, headers=auth)
            ).json()
            browser = Browser(http)
            assert (await browser.login("boss")).status_code == 303
            for name, path in {
                "surveys": f"/admin/surveys?{dash_period}&by=channel&export=surveys",
                "funnel_split": f"/admin/kpis?{dash_period}&by=rep&export=funnel_split",
                "unanswered": f"/admin/unanswered?{dash_period}&export=unanswered",
            }.items():
                response = await http.get(path)
                assert response.status_code == 200, response.text
                # Click's test runner turns CRLF into LF; so does this, to compare.
                got[f"dash_{name}"] = response.text.lstrip("\ufeff").replace("\r\n", "\n")
    finally:
        await db.dispose()
    return got


def test_dashboard_cli_and_api_give_the_same_numbers(
    sqlite_template: Path, tmp_path: Path, settings: Settings, content: Content, password_hash: str
) -> None:
    db_path = tmp_path / "salesbot.db"
    shutil.copy(sqlite_template, db_path)
    url = f"sqlite+aiosqlite:///{db_path}"
    token = asyncio.run(prepare(url, password_hash))
    env = {"DATABASE_URL": url, "SALESBOT_DATA_DIR": str(tmp_path)}

    cli_surveys = json.loads(cli(env, "surveys", "--by", "channel", "--format", "json"))
    cli_funnel = json.loads(cli(env, "funnel", "--by", "rep", "--format", "json"))
    cli_unanswered = json.loads(cli(env, "unanswered", "--format", "json"))
    got = asyncio.run(web(url, token, settings, content))

    # Surveys: the hand-checked numbers, identical in the API and the CLI...
    overall = cli_surveys["overall"]
    assert (overall["sent"], overall["answered"], overall["response_rate"]) == (10, 8, 80.0)
    assert overall["csat"]["average"] == EXPECTED["csat"]["average"]
    assert overall["nps"]["score"] == EXPECTED["nps"]["score"]
    assert got["api_surveys"]["overall"] == overall
    assert got["api_surveys"]["groups"] == cli_surveys["groups"]
    assert [g["key"] for g in cli_surveys["groups"]] == ["telegram", "webchat"]
    # ... and the dashboard's export is the CLI's CSV, line for line.
    assert got["dash_surveys"] == cli(env, "surveys", "--by", "channel", "--format", "csv")
    assert got["dash_surveys"].splitlines()[1] == "all,10,8,80.0,8,4.0,75.0,8,4,1,3,12.5,3"

    # Sales KPIs and the funnel per rep.
    kpis = cli_funnel["kpis"]
    assert [(s["stage"], s["count"]) for s in kpis["funnel"]["steps"]] == [
        (stage, count) for stage, count, _, _ in EXPECTED["funnel"]
    ]
    claim = kpis["claim_minutes"]
    assert (claim["median"], claim["p90"]) == EXPECTED["claim"][1:3]
    assert kpis["pipeline"]["value"] == EXPECTED["pipeline"]["value"]
    assert got["api_kpis"]["kpis"] == kpis
    assert got["api_kpis"]["funnels"] == cli_funnel["funnels"]
    assert got["api_kpis"]["leads_per_week_by_channel"] == cli_funnel["leads_per_week_by_channel"]
    assert got["dash_funnel_split"] == cli(env, "funnel", "--by", "rep", "--format", "csv")

    # Unanswered questions.
    assert [(g["key"], g["count"]) for g in got["api_unanswered"]] == [
        (g["key"], g["count"]) for g in cli_unanswered["groups"]
    ]
    assert got["dash_unanswered"] == cli(env, "unanswered", "--format", "csv")
