"""``salesbot webhooks list|secret|deliveries|retry`` on a configured endpoint (#4).

Needs the ``webhooks`` settings section (bot/settings.py wiring of issue #4).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.webhooks import webhooks_app
from bot.webhooks.config import derive_secret
from crm_store import migrate
from crm_store.clock import SystemClock
from crm_store.database import Database
from crm_store.models.api import DeliveryState
from crm_store.repositories.webhooks import WebhookRepository
from crm_store.uow import UnitOfWork

runner = CliRunner()
ENV = {"SALESBOT_WEBHOOK_SECRET": "cli-master"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "settings.yaml").write_text(
        f"data_dir: {tmp_path / 'data'}\n"
        "webhooks:\n"
        "  endpoints:\n"
        "    - name: hubspot\n"
        "      url: https://hooks.example/salesbot\n"
        "      events: [lead.created, lead.qualified]\n",
        encoding="utf-8",
    )
    return cfg


def run(config: Path, *args: str, env: dict[str, str] = ENV) -> tuple[int, str, str]:
    result = runner.invoke(webhooks_app, [*args, "--config", str(config)], env=env)
    return result.exit_code, result.stdout, result.stderr


def failed_delivery(config: Path) -> None:
    """A lead.created delivery to hubspot that was given up on."""

    async def body() -> None:
        db = Database(f"sqlite+aiosqlite:///{config.parent / 'data' / 'salesbot.db'}")
        await migrate.upgrade(db)
        async with UnitOfWork(db, SystemClock()) as uow:
            contact = await uow.contacts.create(name="Ann")
            await uow.leads.create(contact.id, source_channel="webchat")
            [event] = await uow.events.after(0)
            repo = WebhookRepository(uow.session, uow.clock)
            await repo.enqueue("hubspot", [event.id])
            [delivery] = await repo.list()
            await repo.record_failure(delivery.id, 500, "HTTP 500", None)
        await db.dispose()

    asyncio.run(body())


def test_secret_is_derived_per_endpoint(config: Path) -> None:
    code, out, _ = run(config, "secret", "hubspot")
    assert code == 0 and out.strip() == derive_secret("cli-master", "hubspot")
    code, _, err = run(config, "secret", "zoho")
    assert code == 2 and "no webhook endpoint named 'zoho'" in err
    code, _, err = run(config, "secret", "hubspot", env={})
    assert code == 2 and "SALESBOT_WEBHOOK_SECRET" in err


def test_list_deliveries_and_retry(config: Path) -> None:
    failed_delivery(config)
    code, out, _ = run(config, "list")
    assert code == 0
    assert "hubspot  https://hooks.example/salesbot  events: lead.created, lead.qualified" in out
    assert "0 pending, 0 delivered, 1 failed" in out
    code, out, _ = run(config, "deliveries", "--state", "failed", "--json")
    [row] = json.loads(out)
    assert (row["type"], row["state"], row["attempts"], row["last_status"]) == (
        "lead.created",
        DeliveryState.FAILED.value,
        1,
        500,
    )
    code, out, _ = run(config, "retry", "--endpoint", "hubspot")
    assert code == 0 and out.strip() == "1 failed deliveries queued again"
    assert "1 pending, 0 delivered, 0 failed" in run(config, "list")[1]
