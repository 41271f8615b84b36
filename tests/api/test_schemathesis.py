"""Property-based: requests generated from the API's own OpenAPI schema get no 5xx.

Valid and invalid requests (positive and negative generation), as a manager and as a rep;
answers must also match the documented status codes and schemas. Schemathesis runs the app
in-process (ASGI) on its own event loop thread, so the store is seeded in the app's
lifespan, on that loop. Bounded (few examples per operation and mode) so it stays well
under a minute on both backends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import text

from bot.api import create_api_router
from bot.runtime import Runtime
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import Base
from dialogs.core.content import Content
from tests.api.conftest import Seed, seed
from tests.conftest import MONDAY_AFTERNOON

EXAMPLES = 10
# No 5xx, and every answer is one the schema documents (status, content type, body shape).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def app_and_seed(
    backend: str, db_factory: Callable[..., Database], settings: Settings, content: Content
) -> tuple[FastAPI, Seed]:
    clock = FakeClock(MONDAY_AFTERNOON)
    db = db_factory()  # no connection yet: it is made on the app's loop
    seeded = Seed()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if backend == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            async with db.engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        seeded.__dict__.update((await seed(db, clock)).__dict__)
        yield
        await db.dispose()

    app = FastAPI(lifespan=lifespan, docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.include_router(create_api_router(Runtime(settings, content, db, clock)))
    return app, seeded


def test_no_server_error_for_generated_requests(app_and_seed: tuple[FastAPI, Seed]) -> None:
    app, seeded = app_and_seed
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)  # starts the lifespan
    try:
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) == 15  # every endpoint of the router (incl. privacy, KPIs)
        for who in ("manager", "rep1"):
            headers = {"Authorization": f"Bearer {seeded.tokens[who]}"}
            for operation in operations:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    strategy = operation.as_strategy(generation_mode=mode, headers=headers)

                    @given(case=strategy)
                    @settings(
                        max_examples=EXAMPLES,
                        deadline=None,
                        database=None,
                        suppress_health_check=list(HealthCheck),
                    )
                    def check(case: schemathesis.Case) -> None:
                        case.call_and_validate(checks=CHECKS)

                    try:
                        check()
                    except Unsatisfiable:
                        # Nothing to make invalid: /me and /reps take no parameters.
                        assert mode == GenerationMode.NEGATIVE and operation.path.endswith(
                            ("/me", "/reps")
                        )
    finally:
        asgi.shutdown_lifespans()
