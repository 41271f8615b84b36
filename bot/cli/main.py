"""The ``salesbot`` command line."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from dataclasses import replace
from typing import Annotated

import typer

import bot
from bot.cli.clock import NowOption, clock_for
from bot.cli.common import DEFAULT_CONFIG, ConfigOption, fail, run_with_db, settings_from
from crm_store import migrate
from crm_store.clock import PinnedClock
from crm_store.database import Database
from crm_store.uow import UnitOfWork
from dialogs.core.config import ConfigError
from dialogs.core.types import ChannelAddress

app = typer.Typer(
    name="salesbot",
    help="Self-hosted multi-channel sales assistant: web chat, Telegram and Slack.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema: upgrade and inspect migrations.", no_args_is_help=True)
reps_app = typer.Typer(
    help="Sales reps who take handoffs and follow-up calls.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(reps_app, name="reps")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"salesbot {bot.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Self-hosted multi-channel sales assistant: web chat, Telegram and Slack."""


@app.command()
def serve(
    config: ConfigOption = DEFAULT_CONFIG,
    host: Annotated[str | None, typer.Option(help="Bind address (default: settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: settings).")] = None,
    now: NowOption = None,
) -> None:
    """Run the bot: the web app (web chat, webhooks, API, /healthz) and enabled channels.

    On the embedded SQLite database the schema is migrated automatically; on PostgreSQL run
    `salesbot db upgrade` first.
    """
    import uvicorn

    from bot.app import create_app, uvicorn_options
    from bot.logs import configure_logging
    from bot.runtime import Runtime

    settings = settings_from(config)
    clock = clock_for(now)
    configure_logging(settings)
    if isinstance(clock, PinnedClock):
        # Loud on purpose: a server left pinned stamps customers' messages with a wrong date.
        logging.getLogger("bot.cli").warning("clock pinned: starting at %s", clock.start)
    try:
        runtime = Runtime.create(settings, clock=clock)
        application = create_app(runtime)  # refuses e.g. a Telegram webhook without a secret
    except ConfigError as exc:
        raise fail(str(exc)) from None
    if not settings.is_embedded_database:
        run_with_db(settings, lambda db: migrate.ensure_schema(db, auto_upgrade=False))
    uvicorn.run(
        application,
        host=host or settings.server.host,
        port=settings.server.port if port is None else port,
        log_config=None,
        **uvicorn_options(settings),
    )


@app.command()
def chat(
    config: ConfigOption = DEFAULT_CONFIG,
    user: Annotated[
        str, typer.Option(help="Who you are in the store (one contact per user).")
    ] = "console-user",
    name: Annotated[str | None, typer.Option(help="Your display name.")] = None,
    now: NowOption = None,
) -> None:
    """Talk to the bot in the terminal, through the same hub and store as `serve`.

    Buttons are shown as a numbered list: type the number to click one. Ctrl-D or /quit ends.
    """
    from bot.logs import configure_logging
    from bot.runtime import Runtime
    from channels.console import CHANNEL, ConsoleAdapter, parse_line

    settings = settings_from(config)
    clock = clock_for(now)
    configure_logging(settings)
    logging.getLogger().setLevel(logging.WARNING)  # the terminal is the conversation
    try:
        runtime = Runtime.create(settings, clock=clock)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    adapter = ConsoleAdapter()
    runtime.adapters[CHANNEL] = adapter

    async def loop() -> None:
        await runtime.start()
        address = ChannelAddress(CHANNEL, user)
        typer.echo(f"Chatting with {settings.business.name} as {user!r}. /quit to leave.")
        if isinstance(clock, PinnedClock):
            typer.echo(f"The clock starts at {clock.start.isoformat()} (pinned).")
        try:
            while True:
                try:
                    line = await asyncio.to_thread(input, "you> ")
                except EOFError:
                    break
                if line.strip() in ("/quit", "/exit"):
                    break
                if not line.strip():
                    continue
                inbound = parse_line(
                    line, adapter.buttons, address, user, f"console-{uuid.uuid4()}"
                )
                await runtime.hub.receive(replace(inbound, display_name=name))
        finally:
            await runtime.stop()

    try:
        asyncio.run(loop())
    except migrate.SchemaOutdated as exc:
        raise fail(str(exc), 1) from None


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Apply all migrations to the configured database."""
    settings = settings_from(config)

    async def body(db: Database) -> str | None:
        await migrate.upgrade(db)
        return await migrate.current_revision(db)

    typer.echo(f"database schema at revision {run_with_db(settings, body)}")


@db_app.command("current")
def db_current(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Show the schema revision of the database and the one this salesbot needs."""
    settings = settings_from(config)
    current = run_with_db(settings, migrate.current_revision)
    head = migrate.head_revision()
    typer.echo(f"database: {current or 'empty'}; required: {head}")
    if current != head:
        raise typer.Exit(1)


_HOURS = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)(?:-(mon|tue|wed|thu|fri|sat|sun))?=(.+)$")
_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def parse_hours(specs: list[str]) -> dict[str, list[str]]:
    """``["mon-fri=09:00-12:00,13:00-17:00", "sat=10:00-14:00"]`` -> per-day spans."""
    hours: dict[str, list[str]] = {}
    for spec in specs:
        match = _HOURS.match(spec.strip().lower())
        if not match:
            raise ValueError(f"working hours {spec!r}: use e.g. mon-fri=09:00-17:00")
        first, last, spans = match.groups()
        days = _DAYS[_DAYS.index(first) : _DAYS.index(last or first) + 1]
        for day in days:  # each span is checked by RepConfig, as for config/reps.yaml
            hours.setdefault(day, []).extend(spans.split(","))
    return hours


@reps_app.command("add")
def reps_add(
    name: Annotated[str, typer.Argument(help="The rep's full name.")],
    email: Annotated[str, typer.Option(help="Work e-mail; identifies the rep.")],
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Berlin.")],
    slack_user_id: Annotated[str | None, typer.Option(help="Slack member id (U...).")] = None,
    hours: Annotated[
        list[str] | None,
        typer.Option(help="Working hours, repeatable: mon-fri=09:00-17:00 (rep's time zone)."),
    ] = None,
    language: Annotated[list[str] | None, typer.Option(help="Languages spoken (en, zh).")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Add a rep, or update the rep with the same e-mail."""
    from bot.runtime import upsert_rep
    from dialogs.core.config import validate
    from dialogs.core.content import RepConfig

    settings = settings_from(config)
    try:
        wanted = validate(
            RepConfig,
            {
                "name": name,
                "email": email,
                "timezone": timezone,
                "slack_user_id": slack_user_id,
                "working_hours": parse_hours(hours or ["mon-fri=09:00-17:00"]),
                "languages": language or ["en"],
            },
            "reps add",
        )
    except (ValueError, ConfigError) as exc:
        raise fail(str(exc)) from None

    async def body(db: Database) -> int:
        await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
        async with UnitOfWork(db) as uow:
            rep = await upsert_rep(uow, wanted)
            await uow.audit.log("cli", "rep.upsert", target_type="rep", target_id=rep.id)
            return rep.id

    typer.echo(f"rep {run_with_db(settings, body)} saved: {name} <{email.lower()}>")


@reps_app.command("list")
def reps_list(
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List reps with their time zone and working hours."""
    settings = settings_from(config)

    async def body(db: Database) -> list[dict[str, object]]:
        await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
        async with UnitOfWork(db) as uow:
            return [
                {
                    "id": r.id,
                    "name": r.name,
                    "email": r.email,
                    "timezone": r.timezone,
                    "slack_user_id": r.slack_user_id,
                    "working_hours": r.working_hours,
                    "active": r.active,
                }
                for r in await uow.reps.list()
            ]

    reps = run_with_db(settings, body)
    if as_json:
        typer.echo(json.dumps(reps, ensure_ascii=False, indent=2))
        return
    if not reps:
        typer.echo("no reps yet: add one with `salesbot reps add NAME --email ... --timezone ...`")
    for r in reps:
        hours = "; ".join(f"{d} {','.join(s)}" for d, s in r["working_hours"].items())  # type: ignore[union-attr]
        status = "" if r["active"] else " (inactive)"
        typer.echo(f"{r['id']:>4}  {r['name']} <{r['email']}>  {r['timezone']}  {hours}{status}")


def _mount_subcommands() -> None:
    from bot.cli.check import check
    from bot.cli.contacts import contacts_app
    from bot.cli.demo import demo_app
    from bot.cli.faq import faq_app
    from bot.cli.nlu import nlu_app
    from bot.cli.report import report_app
    from bot.cli.scaffold import init
    from bot.cli.slack import slack_app
    from bot.cli.stories import test
    from bot.cli.tasks import tasks_app
    from bot.cli.telegram import telegram_app
    from bot.cli.tokens import tokens_app
    from bot.cli.users import users_app
    from bot.cli.webhooks import webhooks_app

    app.add_typer(nlu_app, name="nlu", help="Train and evaluate the NLU pipelines.")
    app.add_typer(faq_app, name="faq", help="Measure FAQ retrieval.")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(webhooks_app, name="webhooks")
    app.add_typer(telegram_app, name="telegram")
    app.add_typer(slack_app, name="slack")
    app.add_typer(tasks_app, name="tasks")
    app.add_typer(contacts_app, name="contacts")
    app.add_typer(report_app, name="report")
    app.add_typer(users_app, name="users")
    app.add_typer(demo_app, name="demo")
    app.command("test")(test)
    app.command("init")(init)
    app.command("check")(check)


_mount_subcommands()
