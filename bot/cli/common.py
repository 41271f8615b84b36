"""What every ``salesbot`` subcommand shares: the config option, one-line failures, a store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from bot.settings.model import Settings, load_settings
from crm_store import migrate
from crm_store.database import Database
from crm_store.errors import StoreError
from dialogs.core.config import ConfigError

T = TypeVar("T")

ConfigOption = Annotated[
    Path,
    typer.Option(
        "--config",
        "-c",
        envvar="SALESBOT_CONFIG",
        help="Configuration directory of the business (settings.yaml, catalog, texts...).",
    ),
]
DEFAULT_CONFIG = Path("config")


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def settings_from(config: Path) -> Settings:
    try:
        return load_settings(config)
    except ConfigError as exc:
        raise fail(str(exc)) from None


def run_with_db(settings: Settings, body: Callable[[Database], Awaitable[T]]) -> T:
    async def runner() -> T:
        db = Database(settings.database_url)
        try:
            return await body(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(runner())
    except migrate.SchemaOutdated as exc:
        raise fail(str(exc), 1) from None
    except (StoreError, ValueError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot reach the database: {exc}", 1) from None
