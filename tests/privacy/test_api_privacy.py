"""``GET /api/v1/contacts/{id}/export`` and ``DELETE /api/v1/contacts/{id}``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bot.api import PREFIX, create_api_router
from bot.privacy.slack_cleanup import SlackEraser
from bot.runtime import Runtime
from bot.settings.model import Settings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import AuditLog, Contact
from crm_store.models.ops import SlackCard
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content
from tests.api.conftest import Seed, seed
from tests.privacy.fake_slack import FakeSlack
from tests.privacy.support import SALES, find_identifiers


@pytest.fixture
async def api(
    db: Database, clock: FakeClock, settings: Settings, content: Content, eraser: SlackEraser
) -> AsyncIterator[tuple[httpx.AsyncClient, Seed]]:
    data = await seed(db, clock)
    runtime = Runtime(settings, content, db, clock)
    app = FastAPI()
    app.include_router(create_api_router(runtime, slack_eraser=lambda _: eraser))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        yield http, data


def auth(data: Seed, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {data.tokens[who]}"}


async def audit(db: Database, clock: FakeClock) -> list[tuple[str, str, str | None]]:
    async with UnitOfWork(db, clock) as uow:
        rows = (await uow.session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    return [(r.actor, r.action, r.target_id) for r in rows]


async def test_export_is_for_managers_and_audited(
    api: tuple[httpx.AsyncClient, Seed], db: Database, clock: FakeClock
) -> None:
    http, data = api
    alice = data.contacts["alice"]
    response = await http.get(f"{PREFIX}/contacts/{alice}/export", headers=auth(data, "manager"))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "attachment" in response.headers["content-disposition"]
    document = response.json()
    assert document["contact"]["email"] == "alice@customer.example"
    assert len(document["leads"]) == 2 and document["conversations"][0]["messages"]
    assert document["surveys"][0]["responses"]

    assert (
        await http.get(f"{PREFIX}/contacts/{alice}/export", headers=auth(data, "rep1"))
    ).status_code == 403
    assert (
        await http.get(f"{PREFIX}/contacts/999/export", headers=auth(data, "admin"))
    ).status_code == 404
    assert (await http.get(f"{PREFIX}/contacts/{alice}/export")).status_code == 401
    manager = f"token:{data.token_ids['manager']}"
    assert (manager, "contact.export", str(alice)) in await audit(db, clock)


async def test_delete_erases_with_the_same_service_and_cleans_slack(
    api: tuple[httpx.AsyncClient, Seed], db: Database, clock: FakeClock, slack: FakeSlack
) -> None:
    http, data = api
    carl = data.contacts["carl"]
    ts = slack.post(SALES, "Qualified lead: carl@customer.example")
    async with UnitOfWork(db, clock) as uow:
        now = clock.now()
        uow.session.add(
            SlackCard(
                kind="lead",
                lead_id=data.leads["carl"],
                channel=SALES,
                ts=ts,
                created_at=now,
                updated_at=now,
            )
        )
    assert (
        await http.delete(f"{PREFIX}/contacts/{carl}", headers=auth(data, "rep2"))
    ).status_code == 403
    response = await http.delete(f"{PREFIX}/contacts/{carl}", headers=auth(data, "admin"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["contact_id"] == carl and body["identities_suppressed"] == 1
    assert body["slack"]["deleted"] == 1 and slack.texts() == []
    assert await find_identifiers(db, ("carl@customer.example",)) == []
    async with UnitOfWork(db, clock) as uow:
        shell = await uow.session.get(Contact, carl)
        assert shell is not None and (shell.name, shell.email) == (None, None)
    admin = f"token:{data.token_ids['admin']}"
    assert (admin, "contact.erase", str(carl)) in await audit(db, clock)
    assert (
        await http.delete(f"{PREFIX}/contacts/999", headers=auth(data, "admin"))
    ).status_code == 404
