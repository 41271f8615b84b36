"""``salesbot demo seed``: fill an empty store with eight weeks of demo sales activity."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.clock import pinned_start
from bot.cli.common import fail, run_with_db, settings_from
from crm_store import migrate
from crm_store.database import Database

demo_app = typer.Typer(help="Demo data for trying salesbot out.", no_args_is_help=True)


@demo_app.callback()
def demo() -> None:
    """Demo data for trying salesbot out."""


ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="SALESBOT_CONFIG", help="Configuration directory."),
]


@demo_app.command("seed")
def seed(
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same data.")] = 7,
    weeks: Annotated[int, typer.Option(min=1, max=52, help="How many weeks back.")] = 8,
    now: Annotated[
        str | None,
        typer.Option(
            help="Pretend it is this UTC time (ISO 8601); default: $SALESBOT_NOW or now, "
            "to the hour."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Add demo data to a store that has contacts already.")
    ] = False,
    config: ConfigOption = Path("config"),
) -> None:
    """Create contacts, conversations, leads, follow-ups, surveys, handoffs and unanswered
    questions over the past weeks. Runs once per store."""
    from bot.demo.seed import SeedRefused, seed_demo
    from dialogs.core.content import load_content

    settings = settings_from(config)
    try:
        when = (
            datetime.fromisoformat(now).astimezone(UTC)
            if now
            else (pinned_start(None) or datetime.now(UTC)).replace(
                minute=0, second=0, microsecond=0
            )
        )
    except ValueError:
        raise fail(f"--now {now!r} is not an ISO 8601 time") from None
    content = load_content(settings.config_dir)

    async def body(db: Database) -> str:
        await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
        try:
            made = await seed_demo(
                db, now=when, content=content, seed=seed, weeks=weeks, force=force
            )
        except SeedRefused as exc:
            raise ValueError(str(exc)) from None
        return (
            f"demo data: {made.contacts} contacts, {made.leads} leads, {made.follow_ups} "
            f"follow-ups, {made.handoffs} handoffs, {made.surveys_answered}/{made.surveys_sent} "
            f"surveys answered, {made.unanswered} unanswered questions"
        )

    typer.echo(run_with_db(settings, body))
    typer.echo("open the dashboard at /admin (create a user: salesbot users add NAME --role admin)")
