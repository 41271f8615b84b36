"""``salesbot users add|list|disable|enable``: passwords never on the command line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.users import users_app
from bot.dashboard.users import UserError, UserStore
from crm_store.clock import FakeClock, SystemClock
from crm_store.database import Database
from crm_store.uow import UnitOfWork

runner = CliRunner()
GOOD = "a long enough secret"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "settings.yaml").write_text(f"data_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    return cfg


def run(config: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(users_app, [*args, "--config", str(config)], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def database(config: Path) -> Database:
    return Database(f"sqlite+aiosqlite:///{config.parent / 'data' / 'salesbot.db'}")


async def _login(config: Path, name: str, password: str) -> str:
    db = database(config)
    try:
        async with UnitOfWork(db, SystemClock()) as uow:
            return (await UserStore(uow.session, uow.clock).authenticate(name, password)).status
    finally:
        await db.dispose()


def login(config: Path, name: str, password: str) -> str:
    return asyncio.run(_login(config, name, password))


def test_add_list_disable_enable(config: Path) -> None:
    code, out, err = run(
        config, "add", "Mia", "--role", "admin", "--password-stdin", stdin=GOOD + "\n"
    )
    assert code == 0, err
    assert "user 'mia' added (admin)" in out and GOOD not in out
    assert login(config, "mia", GOOD) == "ok"
    assert login(config, "mia", "wrong password") == "invalid"
    code, out, _ = run(config, "list")
    assert out.startswith("mia\tadmin\t-\tactive\tlast login 20")
    code, _, err = run(config, "add", "mia", "--role", "manager", "--password-stdin", stdin=GOOD)
    assert code == 2 and "exists already" in err
    assert run(config, "disable", "MIA")[0] == 0
    assert login(config, "mia", GOOD) == "invalid"
    assert "disabled" in run(config, "list")[1]
    assert run(config, "enable", "mia")[0] == 0 and login(config, "mia", GOOD) == "ok"
    code, _, err = run(config, "disable", "nobody")
    assert code == 2 and "no user 'nobody'" in err


def test_passwords_come_from_stdin_or_a_prompt_never_arguments(config: Path) -> None:
    # Not a terminal and no --password-stdin: refuse rather than hang or take an argument.
    code, _, err = run(config, "add", "leo", "--role", "manager", stdin="")
    assert code == 2 and "--password-stdin" in err
    code, _, err = run(
        config, "add", "leo", "--role", "manager", "--password-stdin", stdin="short\n"
    )
    assert code == 2 and "at least 10 characters" in err
    code, _, err = run(config, "add", "leo", "--role", "manager", "--password-stdin", stdin="\n")
    assert code == 2 and "no password on stdin" in err
    result = runner.invoke(users_app, ["add", "leo", "--role", "manager", "--password", GOOD])
    assert result.exit_code == 2  # there is no such option


def test_rep_users_belong_to_a_rep(config: Path) -> None:
    code, _, err = run(config, "add", "ann", "--role", "rep", "--password-stdin", stdin=GOOD)
    assert code == 2 and "--rep-email" in err
    code, _, err = run(
        config,
        "add",
        "ann",
        "--role",
        "rep",
        "--rep-email",
        "ann@x.example",
        "--password-stdin",
        stdin=GOOD,
    )
    assert code == 2 and "no rep with e-mail" in err

    async def add_rep() -> None:
        db = database(config)
        async with UnitOfWork(db, SystemClock()) as uow:
            await uow.reps.upsert(name="Ann", email="ann@x.example", timezone="UTC")
        await db.dispose()

    asyncio.run(add_rep())
    code, out, err = run(
        config,
        "add",
        "ann",
        "--role",
        "rep",
        "--rep-email",
        "ANN@x.example",
        "--password-stdin",
        stdin=GOOD,
    )
    assert code == 0, err
    assert "(rep for Ann)" in out and "ann@x.example\tactive" in run(config, "list")[1]
    code, _, err = run(
        config,
        "add",
        "max",
        "--role",
        "manager",
        "--rep-email",
        "ann@x.example",
        "--password-stdin",
        stdin=GOOD,
    )
    assert code == 2 and "only for --role rep" in err


async def test_usernames_are_checked(db: Database) -> None:
    store_clock = FakeClock()
    async with UnitOfWork(db, store_clock) as uow:
        store = UserStore(uow.session, store_clock)
        for bad in ("a", "-dash", "has space", "x" * 101):
            with pytest.raises(UserError):
                await store.add(bad, GOOD, "manager")
        user = await store.add("Ok.Name@corp", GOOD, "manager")
        assert user.username == "ok.name@corp" and user.password_hash.startswith("$argon2id$")
