"""``/api/v1/kpis``: the sales KPIs and unanswered groups by API, scoped like the rest.

Also fuzzed from its own OpenAPI schema (as tests/api/test_schemathesis.py does for the
other endpoints): no 5xx, and every answer matches the documented schema.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select, text

from bot.api import PREFIX
from bot.api.auth import principal_dependency
from bot.api.kpis import kpis_router
from bot.reports.stats import window_of
from bot.runtime import Runtime
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import AuditLog, Base
from crm_store.repositories.api_tokens import ApiTokenRepository
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from tests.conftest import MONDAY_AFTERNOON
from tests.reports.known import EXPECTED, SINCE, TZ, UNTIL, Known, seed_known


def kpi_app(runtime: Runtime, lifespan: object = None) -> FastAPI:
    app = FastAPI(lifespan=lifespan, openapi_url="/api/openapi.json")  # type: ignore[arg-type]
    app.include_router(kpis_router(runtime, principal_dependency(runtime)), prefix=PREFIX)
    return app


async def tokens(db: Database, known: Known) -> dict[str, str]:
    made = {}
    async with UnitOfWork(db) as uow:
        repo = ApiTokenRepository(uow.session, uow.clock)
        for name, role, rep in (("manager", "manager", None), ("ann", "rep", known.rep1)):
            made[name] = (await repo.create(role, rep_id=rep, name=name))[1]
    return made


async def test_kpis_by_api_with_rep_scope(
    db: Database, known: Known, settings: Settings, content: Content
) -> None:
    runtime = Runtime(settings, content, db, FakeClock(MONDAY_AFTERNOON))
    secrets = await tokens(db, known)
    window = window_of(SINCE, UNTIL, TZ)
    period = {"since": window.since.isoformat(), "until": window.until.isoformat()}
    transport = httpx.ASGITransport(app=kpi_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:

        async def get(path: str, who: str, **params: object) -> httpx.Response:
            headers = {"Authorization": f"Bearer {secrets[who]}"}
            return await http.get(f"/api/v1/kpis{path}", params=params, headers=headers)

        body = (await get("/sales", "manager", **period, group_by="channel")).json()
        funnel = body["kpis"]["funnel"]
        assert [
            (s["stage"], s["count"], s["conversion_pct"], s["lost"]) for s in funnel["steps"]
        ] == [tuple(step) for step in EXPECTED["funnel"]]
        assert body["kpis"]["follow_ups"] == EXPECTED["follow_ups"]
        assert [f["key"] for f in body["funnels"]] == ["telegram", "webchat"]
        assert body["timezone"] == TZ
        mine = (await get("/sales", "ann", **period)).json()
        assert [s["count"] for s in mine["kpis"]["funnel"]["steps"]] == [4, 3, 2, 2]
        assert (await get("/sales", "ann", rep_id=known.rep2)).status_code == 403
        assert (
            await get("/sales", "manager", since=period["until"], until=period["since"])
        ).status_code == 422
        assert (await get("/sales", "manager", group_by="mood")).status_code == 422
        groups = (await get("/unanswered", "manager", limit=2)).json()
        assert [(g["language"], g["count"]) for g in groups] == [("en", 2), ("en", 1)]
        assert (await http.get("/api/v1/kpis/sales")).status_code == 401
    # The unanswered groups quote customers: that read is audited (SECURITY.md).
    async with UnitOfWork(db) as uow:
        audited = (
            await uow.session.scalars(
                select(AuditLog).where(AuditLog.action == "api.kpis.unanswered")
            )
        ).all()
    assert [(a.actor.startswith("token:"), a.detail["returned"]) for a in audited] == [(True, 2)]


@pytest.fixture
def fuzz_app(
    backend: str, db_factory: Callable[..., Database], settings: Settings, content: Content
) -> tuple[FastAPI, dict[str, str]]:
    clock = FakeClock(MONDAY_AFTERNOON)
    db = db_factory()  # connected on the app's own loop (schemathesis runs it in a thread)
    secrets: dict[str, str] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if backend == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            async with db.engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        secrets.update(await tokens(db, await seed_known(db)))
        yield
        await db.dispose()

    return kpi_app(Runtime(settings, content, db, clock), lifespan), secrets


def test_no_server_error_for_generated_requests(fuzz_app: tuple[FastAPI, dict[str, str]]) -> None:
    app, secrets = fuzz_app
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    try:
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) == 2
        for who in ("manager", "ann"):
            headers = {"Authorization": f"Bearer {secrets[who]}"}
            for operation in operations:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    strategy = operation.as_strategy(generation_mode=mode, headers=headers)

                    @given(case=strategy)
                    @settings(
                        max_examples=10,
                        deadline=None,
                        database=None,
                        suppress_health_check=list(HealthCheck),
                    )
                    def check(case: schemathesis.Case) -> None:
                        case.call_and_validate(
                            checks=[
                                not_a_server_error,
                                status_code_conformance,
                                response_schema_conformance,
                            ]
                        )

                    try:
                        check()
                    except Unsatisfiable:
                        pass  # nothing invalid to generate for this operation
    finally:
        asgi.shutdown_lifespans()
