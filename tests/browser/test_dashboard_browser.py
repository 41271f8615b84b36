"""The manager dashboard in a real browser: headless Debian chromium driven by Playwright.

The app (API and dashboard) runs on uvicorn at 127.0.0.1 on an ephemeral port over a store
filled by ``salesbot demo seed``'s code. A manager logs in, opens the survey page, sees the
charts drawn (canvas pixels, not just elements), downloads a CSV, looks at the KPIs and
switches to Chinese. No script error and no CSP violation may occur. Screenshots go to
``tests/artifacts/``.

Locally the test is skipped when chromium is missing; under CI (``CI=true``) it must run.
Never `playwright install`: the browser is Debian's ``/usr/bin/chromium``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
import uvicorn

from bot.dashboard.users import UserStore
from bot.demo.seed import seed_demo
from bot.runtime import Runtime
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from tests.browser.conftest import ARGS, ARTIFACTS, EXECUTABLE
from tests.dashboard.conftest import dashboard_app

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
PASSWORD = "managers see everything"
SURVEY_CHARTS = [
    "csat-distribution",
    "nps-breakdown",
    "weekly-scores",
    "weekly-response-rate",
    "split-nps",
]
# How many pixels of a canvas are not transparent: a drawn chart has thousands.
INKED = """canvas => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) inked++; }
  return inked;
}"""


pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass
class Server:
    url: str


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(
    settings: Settings,
    content: Content,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Server]:
    path = tmp_path_factory.mktemp("dashboard") / "salesbot.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite+aiosqlite:///{path}")
    clock = FakeClock(NOW)
    await seed_demo(db, now=NOW, content=content, per_week=10)
    async with UnitOfWork(db, clock) as uow:
        await UserStore(uow.session, clock).add("maya", PASSWORD, "manager")
    app = dashboard_app(Runtime(settings, content, db, clock))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    task = asyncio.create_task(uv.serve(sockets=[sock]))
    try:
        while not uv.started:
            assert not task.done(), "uvicorn stopped"
            await asyncio.sleep(0.02)
        yield Server(f"http://127.0.0.1:{port}")
    finally:
        uv.should_exit = True
        await task
        await db.dispose()


@pytest_asyncio.fixture(loop_scope="module")
async def page(server: Server):  # noqa: ANN201 - playwright's Page
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=EXECUTABLE, args=ARGS)
        context = await browser.new_context(
            viewport={"width": 1360, "height": 900}, accept_downloads=True
        )
        page = await context.new_page()
        page.set_default_timeout(20_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        yield page
        await browser.close()
        assert errors == [], errors  # no script error and no CSP violation on any page


async def charts_drawn(page, ids: list[str]) -> dict[str, int]:  # noqa: ANN001
    inked = {}
    for chart_id in ids:
        canvas = page.locator(f'canvas[data-chart="{chart_id}"][data-rendered="true"]')
        await canvas.wait_for()
        inked[chart_id] = await canvas.evaluate(INKED)
    return inked


async def test_a_manager_logs_in_sees_the_charts_and_downloads_a_csv(
    server: Server, page, tmp_path: Path
) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(exist_ok=True)
    await page.goto(server.url + "/admin/")
    await page.locator("form.login").wait_for()
    await page.fill("input[name=username]", "maya")
    await page.fill("input[name=password]", "not it")
    await page.click("form.login button[type=submit]")
    await page.locator(".error", has_text="Wrong username or password").wait_for()
    await page.fill("input[name=username]", "maya")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.login button[type=submit]")
    await page.wait_for_url("**/admin/surveys")
    await page.locator("h1", has_text="Surveys").wait_for()

    inked = await charts_drawn(page, SURVEY_CHARTS)
    assert all(n > 500 for n in inked.values()), inked  # drawn, not blank canvases
    assert await page.locator(".stat .value").first.inner_text() not in ("", "–")
    await page.screenshot(path=str(ARTIFACTS / "dashboard-surveys.png"), full_page=True)

    section = page.locator('section[data-table="survey_answers"]')
    async with page.expect_download() as info:
        await section.locator("a.export").click()
    download = await info.value
    assert download.suggested_filename == "survey_answers.csv"
    saved = tmp_path / "answers.csv"
    await download.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert rows[0][:5] == ["request_id", "answered_at", "category", "csat", "nps"]
    assert len(rows) > 10 and rows[1][2] == "detractor"  # detractors first

    await page.click("header nav a[href='/admin/kpis']")
    await page.locator("h1", has_text="Sales KPIs").wait_for()
    kpi_inked = await charts_drawn(page, ["funnel", "leads-per-week", "follow-ups", "pipeline"])
    assert all(n > 500 for n in kpi_inked.values()), kpi_inked
    await page.screenshot(path=str(ARTIFACTS / "dashboard-kpis.png"), full_page=True)

    await page.click("header .langs a[hreflang=zh]")
    await page.locator("h1", has_text="销售指标").wait_for()
    await page.click("header nav a[href='/admin/surveys']")
    await page.locator("h1", has_text="满意度调查").wait_for()
    await charts_drawn(page, SURVEY_CHARTS)
    await page.screenshot(path=str(ARTIFACTS / "dashboard-surveys-zh.png"), full_page=True)

    await page.click("header nav a[href='/admin/unanswered']")
    await page.locator("article.group").first.wait_for()
    await page.screenshot(path=str(ARTIFACTS / "dashboard-unanswered-zh.png"), full_page=True)
