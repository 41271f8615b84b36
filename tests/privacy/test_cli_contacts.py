"""``salesbot contacts export|erase`` on a real SQLite file, as an operator runs them."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.contacts import contacts_app
from crm_store import migrate
from crm_store.clock import SystemClock
from crm_store.database import Database
from crm_store.models import AuditLog, ChannelIdentity, Contact
from crm_store.uow import UnitOfWork
from dialogs.core.transcript import address_key, inbound_fields
from dialogs.core.types import ChannelAddress, InboundMessage

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "settings.yaml").write_text(f"data_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    return cfg


def database(config: Path) -> Database:
    return Database(f"sqlite+aiosqlite:///{config.parent / 'data' / 'salesbot.db'}")


def store(config: Path, work):  # noqa: ANN001, ANN201
    async def body():  # noqa: ANN202
        db = database(config)
        try:
            await migrate.upgrade(db)
            async with UnitOfWork(db, SystemClock()) as uow:
                return await work(uow)
        finally:
            await db.dispose()

    (config.parent / "data").mkdir(exist_ok=True)
    return asyncio.run(body())


async def two_people(uow: UnitOfWork) -> tuple[int, int]:
    ids = []
    for external, email, phone in (
        ("735009921", "jo@acme-rooms.com", "+16175550100"),
        ("735009922", "sam@example.com", "+16175550111"),
    ):
        contact = await uow.contacts.get_or_create_for_identity(
            "telegram", external, display_name=email.split("@")[0].title()
        )
        await uow.contacts.update(contact, email=email, phone=phone)
        address = ChannelAddress("telegram", external)
        conversation = await uow.conversations.open_or_create(address_key(address), contact.id)
        await uow.messages.add_inbound(
            conversation,
            **inbound_fields(
                InboundMessage(address, external, f"I am {email}", message_id=external)
            ),
        )
        ids.append(contact.id)
    return ids[0], ids[1]


def run(config: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(contacts_app, [*args, "--config", str(config)], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_export_over_an_existing_file_makes_it_0600(config: Path, tmp_path: Path) -> None:
    jo, _ = store(config, two_people)
    existing = tmp_path / "existing.json"
    existing.write_text("old")
    existing.chmod(0o644)  # someone else could read it
    code, _, err = run(config, "export", f"id:{jo}", "--out", str(existing))
    assert code == 0, err
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600
    assert json.loads(existing.read_text())["contact"]["id"] == jo


def test_export_by_email_phone_or_id(config: Path, tmp_path: Path) -> None:
    jo, _ = store(config, two_people)
    code, out, err = run(config, "export", "JO@acme-rooms.com")
    assert code == 0, err
    document = json.loads(out)
    assert document["contact"]["id"] == jo
    assert document["conversations"][0]["messages"][0]["text"] == "I am jo@acme-rooms.com"

    target = tmp_path / "jo.json"
    code, _, err = run(config, "export", "(617) 555-0100", "--out", str(target))
    assert code == 0, err
    assert json.loads(target.read_text())["contact"]["id"] == jo
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert run(config, "export", f"id:{jo}")[0] == 0

    code, _, err = run(config, "export", "nobody@example.com")
    assert code == 2 and "no contact with that e-mail" in err
    code, _, err = run(config, "export", "hello")
    assert code == 2 and "neither a contact id" in err

    actions = store(config, _audit)
    assert actions.count(("cli", "contact.export", str(jo))) == 3


def test_erase_asks_first_and_erases_only_that_person(config: Path) -> None:
    jo, sam = store(config, two_people)
    code, _, err = run(config, "erase", "+1 617 555 0100", input="n\n")
    assert code == 1 and "nothing erased" in err
    assert "1 conversations, 0 leads" in err and "telegram" in err
    assert store(config, _names) == {jo: "Jo", sam: "Sam"}

    code, _, err = run(config, "erase", "+1 617 555 0100", "--yes")
    assert code == 0, err
    assert "1 channel identities suppressed" in err
    assert store(config, _names) == {jo: None, sam: "Sam"}
    assert store(config, _identities) == ["735009922"]
    assert ("cli", "contact.erase", str(jo)) in store(config, _audit)


async def _audit(uow: UnitOfWork) -> list[tuple[str, str, str | None]]:
    rows = (await uow.session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    return [(r.actor, r.action, r.target_id) for r in rows]


async def _names(uow: UnitOfWork) -> dict[int, str | None]:
    return dict((await uow.session.execute(select(Contact.id, Contact.name))).all())


async def _identities(uow: UnitOfWork) -> list[str]:
    return list((await uow.session.scalars(select(ChannelIdentity.external_id))).all())
