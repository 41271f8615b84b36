"""``salesbot tokens create|list|revoke``: bearer tokens for the CRM API (``/api/v1``).

The token is printed once, alone on stdout (so ``TOKEN=$(salesbot tokens create ...)``
works); only its SHA-256 and a short prefix are stored. Exit codes: 0 ok, 2 bad input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import fail, run_with_db, settings_from
from crm_store import migrate
from crm_store.database import Database
from crm_store.errors import NotFound
from crm_store.models.api import TokenRole
from crm_store.repositories.api_tokens import ApiTokenRepository
from crm_store.uow import UnitOfWork

tokens_app = typer.Typer(
    help="API tokens for the CRM API: create (shown once), list, revoke.", no_args_is_help=True
)
ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="SALESBOT_CONFIG", help="Configuration directory."),
]
DEFAULT_CONFIG = Path("config")


@tokens_app.command("create")
def create(
    role: Annotated[
        TokenRole, typer.Option(help="manager/admin: everything; rep: only that rep's records.")
    ],
    rep_email: Annotated[
        str | None, typer.Option(help="For --role rep: the rep's e-mail (see `salesbot reps`).")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="What the token is for, e.g. 'zoho sync'.")
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Create a token and print it once; store it now, it cannot be shown again."""

    if role == TokenRole.REP and not rep_email:
        raise fail("--role rep needs --rep-email of the rep the token belongs to")
    if role != TokenRole.REP and rep_email:
        raise fail(f"a {role.value} token sees every rep; --rep-email is only for --role rep")
    settings = settings_from(config)

    async def body(db: Database) -> tuple[int, str, str]:
        await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
        async with UnitOfWork(db) as uow:
            rep_id, who = None, "all reps"
            if rep_email:
                rep = await uow.reps.by_email(rep_email)
                if rep is None:
                    raise NotFound(
                        f"no rep with e-mail {rep_email!r}; add one with `salesbot reps add`"
                    )
                rep_id, who = rep.id, f"{rep.name} <{rep.email}>"
            row, token = await ApiTokenRepository(uow.session, uow.clock).create(
                role, rep_id=rep_id, name=name
            )
            await uow.audit.log(
                "cli",
                "api_token.create",
                target_type="api_token",
                target_id=row.id,
                detail={"role": role.value, "rep_id": rep_id},
            )
            return row.id, token, who

    token_id, token, who = run_with_db(settings, body)
    typer.echo(f"token {token_id} ({role.value}, {who}); shown only once:", err=True)
    typer.echo(token)


@tokens_app.command("list")
def list_tokens(
    include_revoked: Annotated[bool, typer.Option("--all", help="Include revoked.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """List tokens by id, prefix, role and rep (never the tokens themselves)."""

    settings = settings_from(config)

    async def body(db: Database) -> list[dict[str, object]]:
        await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
        async with UnitOfWork(db) as uow:
            reps = {r.id: r.email for r in await uow.reps.list()}
            rows = await ApiTokenRepository(uow.session, uow.clock).list(
                include_revoked=include_revoked
            )
            return [
                {
                    "id": t.id,
                    "prefix": t.prefix,
                    "role": t.role,
                    "rep": reps.get(t.rep_id) if t.rep_id else None,
                    "name": t.name,
                    "created_at": t.created_at.isoformat(),
                    "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                    "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
                }
                for t in rows
            ]

    tokens = run_with_db(settings, body)
    if as_json:
        typer.echo(json.dumps(tokens, indent=2))
        return
    if not tokens:
        typer.echo("no tokens: create one with `salesbot tokens create --role manager`")
    for t in tokens:
        scope = f" {t['rep']}" if t["rep"] else ""
        used = f" last used {t['last_used_at'][:16]}" if t["last_used_at"] else " never used"  # type: ignore[index]
        revoked = " REVOKED" if t["revoked_at"] else ""
        label = f" '{t['name']}'" if t["name"] else ""
        typer.echo(f"{t['id']:>4}  {t['prefix']}…  {t['role']}{scope}{label}{used}{revoked}")


@tokens_app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(help="The id shown by `salesbot tokens list`.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Revoke a token at once; calls with it get 401 from then on."""

    settings = settings_from(config)

    async def body(db: Database) -> str:
        await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
        async with UnitOfWork(db) as uow:
            row = await ApiTokenRepository(uow.session, uow.clock).revoke(token_id)
            await uow.audit.log(
                "cli", "api_token.revoke", target_type="api_token", target_id=row.id
            )
            return row.prefix

    prefix = run_with_db(settings, body)
    typer.echo(f"token {token_id} ({prefix}…) revoked")
