"""``salesbot webhooks list|secret|deliveries|retry``: outgoing webhooks from the shell.

Endpoints are configured in ``settings.yaml`` (``webhooks.endpoints``); these commands show
them with their delivery counts, print the signing key a receiver needs, inspect the
outbox and re-queue deliveries that were given up on (after fixing the receiver).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import fail, run_with_db, settings_from
from bot.webhooks.config import SECRET_VAR, derive_secret
from crm_store import migrate
from crm_store.database import Database
from crm_store.models.api import DeliveryState
from crm_store.repositories.webhooks import WebhookRepository
from crm_store.uow import UnitOfWork

webhooks_app = typer.Typer(
    help="Outgoing webhooks: endpoints, signing keys, deliveries, retries.", no_args_is_help=True
)
ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="SALESBOT_CONFIG", help="Configuration directory."),
]
DEFAULT_CONFIG = Path("config")


@webhooks_app.command("list")
def list_endpoints(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Configured endpoints, their events and delivery counts by state."""

    settings = settings_from(config)

    async def body(db: Database) -> dict[tuple[str, str], int]:
        await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
        async with UnitOfWork(db) as uow:
            return await WebhookRepository(uow.session, uow.clock).counts()

    endpoints = settings.webhooks.endpoints
    if not endpoints:
        typer.echo("no webhook endpoints: add them under `webhooks.endpoints` in settings.yaml")
        return
    counts = run_with_db(settings, body)
    for e in endpoints:
        states = ", ".join(f"{counts.get((e.name, s.value), 0)} {s.value}" for s in DeliveryState)
        status = "" if e.enabled else " (disabled)"
        typer.echo(f"{e.name}{status}  {e.url}  events: {', '.join(e.events)}  [{states}]")


@webhooks_app.command("secret")
def secret(
    name: Annotated[str, typer.Argument(help="Endpoint name from settings.yaml.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Print the key this endpoint's requests are signed with (give it to the receiver)."""

    settings = settings_from(config)
    if name not in {e.name for e in settings.webhooks.endpoints}:
        raise fail(f"no webhook endpoint named {name!r} in {config / 'settings.yaml'}")
    master = settings.secrets.webhook_secret
    if master is None:
        raise fail(f"{SECRET_VAR} is not set; signing keys are derived from it")
    typer.echo(derive_secret(master.get_secret_value(), name))


@webhooks_app.command("deliveries")
def deliveries(
    endpoint: Annotated[str | None, typer.Option(help="Only this endpoint.")] = None,
    state: Annotated[DeliveryState | None, typer.Option(help="Only this state.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Recent deliveries with their attempts and last answer."""

    settings = settings_from(config)

    async def body(db: Database) -> list[dict[str, object]]:
        await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
        async with UnitOfWork(db) as uow:
            rows = await WebhookRepository(uow.session, uow.clock).list(
                endpoint=endpoint, state=state.value if state else None, limit=limit
            )
            return [
                {
                    "id": d.id,
                    "endpoint": d.endpoint,
                    "event_id": d.event.event_id,
                    "type": d.event.type,
                    "state": d.state,
                    "attempts": d.attempts,
                    "last_status": d.last_status,
                    "last_error": d.last_error,
                    "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at else None,
                }
                for d in rows
            ]

    rows = run_with_db(settings, body)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        last = f"  last: {r['last_error'] or r['last_status']}" if r["attempts"] else ""
        typer.echo(
            f"{r['id']:>6}  {r['endpoint']}  {r['type']}  {r['event_id']}  {r['state']}"
            f"  attempts {r['attempts']}{last}"
        )


@webhooks_app.command("retry")
def retry(
    ids: Annotated[list[int] | None, typer.Argument(help="Delivery ids; none: all failed.")] = None,
    endpoint: Annotated[str | None, typer.Option(help="Only this endpoint.")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Queue failed deliveries again (they get a fresh 24 h of retries)."""

    settings = settings_from(config)

    async def body(db: Database) -> int:
        await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
        async with UnitOfWork(db) as uow:
            count = await WebhookRepository(uow.session, uow.clock).requeue_failed(
                endpoint=endpoint, ids=ids or ()
            )
            await uow.audit.log("cli", "webhooks.retry", detail={"requeued": count})
            return count

    typer.echo(f"{run_with_db(settings, body)} failed deliveries queued again")
