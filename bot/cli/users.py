"""``salesbot users add|list|disable|enable``: who may log in to the dashboard at ``/admin``.

Passwords never go on the command line (shell history, ``ps``): ``add`` prompts for one
(twice, hidden) in a terminal, or reads the first line of stdin with ``--password-stdin``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import fail, run_with_db, settings_from
from bot.dashboard.users import UserError, UserRole, UserStore
from crm_store import migrate
from crm_store.database import Database
from crm_store.uow import UnitOfWork

users_app = typer.Typer(
    help="Dashboard users (admin, manager, rep): add, list, disable.", no_args_is_help=True
)
ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="SALESBOT_CONFIG", help="Configuration directory."),
]
DEFAULT_CONFIG = Path("config")


def _read_password(from_stdin: bool) -> str:

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise fail("--password-stdin: no password on stdin")
        return password
    if not sys.stdin.isatty():
        raise fail("no terminal to ask for the password: pipe it in with --password-stdin")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The login name (case-insensitive).")],
    role: Annotated[
        UserRole,
        typer.Option(help="admin: everything and the audit log; manager: everything; rep: own."),
    ],
    rep_email: Annotated[
        str | None, typer.Option(help="For --role rep: the rep's e-mail (see config/reps.yaml).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    language: Annotated[str, typer.Option(help="Dashboard language: en or zh.")] = "en",
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Add a user; the password is prompted for (or read with --password-stdin)."""

    if language not in ("en", "zh"):
        raise fail("--language must be en or zh")
    settings = settings_from(config)
    password = _read_password(password_stdin)

    async def body(db: Database) -> str:
        await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
        async with UnitOfWork(db) as uow:
            rep_id, who = None, ""
            if rep_email:
                rep = await uow.reps.by_email(rep_email)
                if rep is None:
                    raise UserError(f"no rep with e-mail {rep_email!r} (see config/reps.yaml)")
                rep_id, who = rep.id, f" for {rep.name}"
            store = UserStore(uow.session, uow.clock)
            user = await store.add(name, password, role, rep_id=rep_id, language=language)
            await uow.audit.log(
                "cli",
                "user.add",
                target_type="user",
                target_id=user.id,
                detail={"username": user.username, "role": user.role, "rep_id": rep_id},
            )
            return f"user {user.username!r} added ({user.role}{who})"

    typer.echo(run_with_db(settings, body))


@users_app.command("list")
def list_users(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """List users: name, role, rep, active, last login."""

    settings = settings_from(config)

    async def body(db: Database) -> list[str]:
        await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
        async with UnitOfWork(db) as uow:
            reps = {r.id: r.email for r in await uow.reps.list()}
            lines = []
            for u in await UserStore(uow.session, uow.clock).list():
                rep = reps.get(u.rep_id, "") if u.rep_id else ""
                state = "active" if u.active else "disabled"
                last = u.last_login_at.isoformat(timespec="minutes") if u.last_login_at else "never"
                lines.append(f"{u.username}\t{u.role}\t{rep or '-'}\t{state}\tlast login {last}")
            return lines

    lines = run_with_db(settings, body)
    typer.echo("\n".join(lines) if lines else "no users yet: salesbot users add NAME --role admin")


def _set_active(name: str, active: bool, config: Path) -> None:

    settings = settings_from(config)

    async def body(db: Database) -> str:
        await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
        async with UnitOfWork(db) as uow:
            user = await UserStore(uow.session, uow.clock).set_active(name, active)
            action = "user.enable" if active else "user.disable"
            await uow.audit.log("cli", action, target_type="user", target_id=user.id)
            return f"user {user.username!r} {'enabled' if active else 'disabled'}"

    typer.echo(run_with_db(settings, body))


@users_app.command("disable")
def disable(
    name: Annotated[str, typer.Argument(help="The login name.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Disable a user: they can no longer log in, and open sessions stop working."""
    _set_active(name, False, config)


@users_app.command("enable")
def enable(
    name: Annotated[str, typer.Argument(help="The login name.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Enable a disabled user again."""
    _set_active(name, True, config)
