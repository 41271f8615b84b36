"""``salesbot contacts export|erase``: a person's rights of access and erasure, for operators.

A person is named by contact id (``42`` or ``id:42``), e-mail or phone number. Both commands
are audited (actor ``cli``). ``erase`` asks for confirmation unless ``--yes``; it runs the
same erasure as the API and the chat's "forget me", then removes salesbot's Slack messages
about the person right away when Slack is configured (else the scheduler retries).
Exit codes: 0 done, 1 the database is unreachable or the erasure was not confirmed, 2 bad
input (an unknown or ambiguous person).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.clock import clock_for
from bot.cli.common import fail, run_with_db, settings_from
from bot.privacy.erase import ErasureResult, erase_contact, run_cleanup_task
from bot.privacy.export import export_contact
from bot.privacy.lookup import find_contact
from bot.privacy.records import person_ids
from bot.privacy.slack_cleanup import SlackEraser
from bot.privacy.suppression import suppression_key
from bot.scheduler.handlers.privacy import slack_eraser
from bot.settings.model import Settings
from crm_store import migrate
from crm_store.database import Database
from crm_store.uow import UnitOfWork

ACTOR = "cli"

contacts_app = typer.Typer(
    help="A person's data: export it (access, portability) or erase it (right to be forgotten).",
    no_args_is_help=True,
)
ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="SALESBOT_CONFIG", help="Configuration directory."),
]
Ref = Annotated[str, typer.Argument(help="Contact id (42 or id:42), e-mail or phone number.")]
DEFAULT_CONFIG = Path("config")


@contacts_app.command("export")
def export(
    ref: Ref,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file (default: stdout).")
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Everything salesbot holds about one person, as one JSON document."""

    settings = settings_from(config)
    document = run_with_db(settings, lambda db: export_document(db, settings, ref))
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    # Personal data: readable by the operator only.
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # the mode above applies only to a new file, not an existing one
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    typer.echo(f"exported contact {document['contact']['id']} to {out}", err=True)


@contacts_app.command("erase")
def erase(
    ref: Ref,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Erase one person's personal data everywhere (cannot be undone)."""

    settings = settings_from(config)
    contact_id, summary = run_with_db(settings, lambda db: describe(db, settings, ref))
    typer.echo(f"contact {contact_id}: {summary}", err=True)
    if not yes:
        if not typer.confirm("Erase this person's data for good?", err=True):
            raise fail("nothing erased", 1)
    result, cleanup = run_with_db(settings, lambda db: erase_now(db, settings, contact_id))
    typer.echo(
        f"erased contact {contact_id}: {result.suppressed} channel identities suppressed, "
        f"{len(result.slack_refs)} Slack messages to remove",
        err=True,
    )
    if cleanup:
        typer.echo(f"Slack: {json.dumps(cleanup)}", err=True)


async def export_document(db: Database, settings: Settings, ref: str) -> dict[str, Any]:
    await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
    async with UnitOfWork(db) as uow:
        contact_id = await find_contact(uow, ref, regions=_regions(settings))
        return await export_contact(uow, contact_id, actor=ACTOR)


async def describe(db: Database, settings: Settings, ref: str) -> tuple[int, str]:
    await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
    async with UnitOfWork(db) as uow:
        contact_id = await find_contact(uow, ref, regions=_regions(settings))
        p = await person_ids(uow, contact_id)
    channels = sorted({channel for channel, _ in p.identities}) or ["no channel identities"]
    return contact_id, (
        f"{len(p.conversation_ids)} conversations, {len(p.lead_ids)} leads, "
        f"{len(p.survey_request_ids)} surveys; {', '.join(channels)}"
    )


async def erase_now(
    db: Database,
    settings: Settings,
    contact_id: int,
    *,
    eraser: Callable[[Settings], SlackEraser | None] = slack_eraser,
) -> tuple[ErasureResult, dict[str, Any] | None]:
    clock = clock_for()
    async with UnitOfWork(db, clock) as uow:
        result = await erase_contact(
            uow, contact_id, actor=ACTOR, key=suppression_key(settings), reason="cli"
        )
    cleanup = None
    if result.cleanup_task_id is not None:
        outcome = await run_cleanup_task(db, clock, result.cleanup_task_id, eraser(settings))
        cleanup = outcome.slack.as_dict() if outcome is not None else None
    return result, cleanup


def _regions(settings: Settings) -> tuple[str, ...]:
    return tuple(dict.fromkeys((settings.business.default_phone_region, "CN")))
