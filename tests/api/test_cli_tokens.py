"""``salesbot tokens create|list|revoke`` and what the created tokens can do."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.tokens import tokens_app
from crm_store.clock import SystemClock
from crm_store.database import Database
from crm_store.models.api import TokenRole
from crm_store.repositories.api_tokens import PREFIX_LENGTH, ApiTokenRepository, hash_token
from crm_store.uow import UnitOfWork

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "settings.yaml").write_text(f"data_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    return cfg


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(tokens_app, [*args, "--config", str(config)])
    return result.exit_code, result.stdout, result.stderr


def authenticate(config: Path, token: str) -> tuple[str, int | None] | None:
    async def body() -> tuple[str, int | None] | None:
        db = Database(f"sqlite+aiosqlite:///{config.parent / 'data' / 'salesbot.db'}")
        try:
            async with UnitOfWork(db, SystemClock()) as uow:
                row = await ApiTokenRepository(uow.session, uow.clock).authenticate(token)
                return None if row is None else (row.role, row.rep_id)
        finally:
            await db.dispose()

    return asyncio.run(body())


def test_create_list_revoke(config: Path) -> None:
    code, out, err = run(config, "create", "--role", "manager", "--name", "zoho sync")
    assert code == 0, err
    token = out.strip()
    assert token.startswith("sbt_") and len(token) > 40 and "shown only once" in err
    assert authenticate(config, token) == ("manager", None)

    code, out, _ = run(config, "list", "--json")
    [listed] = json.loads(out)
    assert listed["prefix"] == token[:PREFIX_LENGTH] and listed["name"] == "zoho sync"
    assert token not in out and hash_token(token) not in out
    assert listed["last_used_at"] is not None  # authenticate() above used it

    code, out, _ = run(config, "revoke", str(listed["id"]))
    assert code == 0 and "revoked" in out
    assert authenticate(config, token) is None
    assert json.loads(run(config, "list", "--json")[1]) == []
    assert len(json.loads(run(config, "list", "--all", "--json")[1])) == 1
    code, _, err = run(config, "revoke", "999")
    assert code == 2 and "API token 999 not found" in err


def test_rep_tokens_need_a_known_rep(config: Path) -> None:
    code, _, err = run(config, "create", "--role", "rep")
    assert code == 2 and "--rep-email" in err
    code, _, err = run(config, "create", "--role", "rep", "--rep-email", "nobody@x.example")
    assert code == 2 and "no rep with e-mail" in err
    code, _, err = run(config, "create", "--role", "manager", "--rep-email", "a@x.example")
    assert code == 2
    code, _, err = run(config, "create", "--role", "owner")
    assert code == 2 and "owner" in err

    async def add_rep() -> int:
        db = Database(f"sqlite+aiosqlite:///{config.parent / 'data' / 'salesbot.db'}")
        async with UnitOfWork(db, SystemClock()) as uow:
            rep = await uow.reps.upsert(name="Ann", email="ann@x.example", timezone="UTC")
        await db.dispose()
        return rep.id

    rep_id = asyncio.run(add_rep())
    code, out, err = run(config, "create", "--role", "rep", "--rep-email", "ANN@x.example")
    assert code == 0, err
    assert "Ann <ann@x.example>" in err
    assert authenticate(config, out.strip()) == (TokenRole.REP.value, rep_id)
    assert "ann@x.example" in run(config, "list")[1]
