"""The real app (``bot.app.create_app``): API mounted with docs, webhooks running in the lifespan.

Needs the wiring of issue #4 in bot/app.py, bot/settings.py and crm_store/models.py.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
from pydantic import SecretStr

from bot.app import create_app
from bot.runtime import Runtime
from bot.settings.model import DatabaseSettings, Settings
from bot.webhooks.config import WebhooksSettings, derive_secret
from bot.webhooks.signing import verify_signature
from crm_store.repositories.api_tokens import ApiTokenRepository
from dialogs.nlu import NluService
from tests.bot.webhook_receivers import LocalReceiver


async def test_app_serves_the_api_and_delivers_webhooks(
    tmp_path: Path, settings: Settings, understanding: NluService
) -> None:
    async with LocalReceiver() as receiver:
        wired = settings.model_copy(
            update={
                "database": DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"),
                "webhooks": WebhooksSettings.model_validate(
                    {
                        "endpoints": [{"name": "crm", "url": receiver.url}],
                        "poll_interval_seconds": 0.05,
                    }
                ),
                "secrets": settings.secrets.model_copy(
                    update={"webhook_secret": SecretStr("master")}
                ),
            }
        )
        runtime = Runtime.create(wired)  # trained models are already in settings.data_dir
        app = create_app(runtime)
        async with app.router.lifespan_context(app):
            async with runtime.uow() as uow:
                _, token = await ApiTokenRepository(uow.session, uow.clock).create("manager")
                contact = await uow.contacts.create(name="Eve")
                lead = await uow.leads.create(contact.id, source_channel="webchat")
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
                auth = {"Authorization": f"Bearer {token}"}
                response = await http.get(f"/api/v1/leads/{lead.id}", headers=auth)
                assert response.status_code == 200 and response.json()["contact"]["name"] == "Eve"
                assert (await http.get("/api/docs")).status_code == 200
                paths = (await http.get("/api/openapi.json")).json()["paths"]
                assert "/api/v1/leads" in paths and "/api/v1/surveys/summary" in paths
            await asyncio.wait_for(receiver.wait_for(1), timeout=10)
    [request] = receiver.requests
    assert json.loads(request.body)["data"]["lead_id"] == lead.id
    secret = derive_secret("master", "crm")
    assert verify_signature(secret, request.body, request.headers["x-salesbot-signature"])
