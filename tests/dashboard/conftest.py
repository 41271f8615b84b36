"""The dashboard over the hand-checked store (``tests.reports.known``), in-process (ASGI).

Dashboard behaviour does not depend on the database engine (the report computations are
tested on both in ``tests/reports``), so these run on SQLite only. Users get a password
hash made once per session: argon2 is deliberately slow.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from bot.api import PREFIX, create_api_router
from bot.api.auth import principal_dependency
from bot.api.kpis import kpis_router
from bot.dashboard import mount
from bot.runtime import Runtime
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models.ops import User
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from tests.reports.known import Known, seed_known

PASSWORD = "correct horse battery"
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture(scope="session")
def password_hash() -> str:
    return PasswordHasher().hash(PASSWORD)


def dashboard_app(runtime: Runtime) -> FastAPI:
    """What bot/app.py does once the lead wires the dashboard and the KPI endpoints in."""
    app = FastAPI()
    app.include_router(create_api_router(runtime))
    app.include_router(kpis_router(runtime, principal_dependency(runtime)), prefix=PREFIX)
    mount(app, runtime)
    return app


async def add_users(db: Database, clock: FakeClock, known: Known, password_hash: str) -> None:
    async with UnitOfWork(db, clock) as uow:
        for name, role, rep in (
            ("root", "admin", None),
            ("boss", "manager", None),
            ("ann", "rep", known.rep1),
            ("bob", "rep", known.rep2),
        ):
            uow.session.add(
                User(
                    username=name,
                    password_hash=password_hash,
                    role=role,
                    rep_id=rep,
                    created_at=clock.now(),
                )
            )


@dataclass
class Browser:
    """One user's cookie jar against the app."""

    http: httpx.AsyncClient

    async def csrf(self, path: str = "/admin/login") -> str:
        match = CSRF.search((await self.http.get(path)).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    async def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        token = await self.csrf()
        return await self.http.post(
            "/admin/login",
            data={"username": username, "password": password, "csrf_token": token, "next": ""},
        )

    async def post(self, path: str, data: dict[str, str], *, csrf: bool = True) -> httpx.Response:
        if csrf:
            data = {**data, "csrf_token": await self.csrf("/admin/surveys")}
        return await self.http.post(path, data=data)


@dataclass
class Site:
    app: FastAPI
    runtime: Runtime
    known: Known
    db: Database
    clock: FakeClock
    open: Callable[[str | None], Awaitable[Browser]]


@pytest.fixture
async def site(
    db: Database, settings: Settings, content: Content, password_hash: str
) -> AsyncIterator[Site]:
    known = await seed_known(db)
    clock = FakeClock(NOW)
    await add_users(db, clock, known, password_hash)
    runtime = Runtime(settings, content, db, clock)
    app = dashboard_app(runtime)
    clients: list[httpx.AsyncClient] = []

    async def open_browser(username: str | None) -> Browser:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
        clients.append(http)
        browser = Browser(http)
        if username:
            response = await browser.login(username)
            assert response.status_code == 303, response.text
        return browser

    yield Site(app, runtime, known, db, clock, open_browser)
    for http in clients:
        await http.aclose()
