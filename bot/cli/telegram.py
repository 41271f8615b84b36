"""``salesbot telegram ...``: register or remove the webhook with Telegram.

aiogram is imported inside the commands, so ``salesbot --help`` stays quick.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from bot.settings.model import Settings, load_settings
from dialogs.core.config import ConfigError

telegram_app = typer.Typer(help="Telegram bot: webhook registration.", no_args_is_help=True)

ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="SALESBOT_CONFIG", help="Configuration directory."),
]
ApiServerOption = Annotated[
    str | None,
    typer.Option(
        envvar="SALESBOT_TELEGRAM_API_SERVER",
        help="Bot API server base URL (a local Bot API server); default: Telegram's.",
    ),
]
WEBHOOK_PATH = "/telegram/webhook"  # channels.telegram.webhook.WEBHOOK_PATH, without aiogram
# Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and - in a webhook secret token.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(2)


def _settings(config: Path) -> Settings:
    try:
        return load_settings(config)
    except ConfigError as exc:
        raise _fail(str(exc)) from None


def webhook_url(url: str) -> str:
    """The URL as given; a bare origin gets the webhook path appended."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError(f"{url!r}: Telegram only calls https:// webhook URLs")
    if parts.path in ("", "/"):
        return url.rstrip("/") + WEBHOOK_PATH
    return url


@telegram_app.command("set-webhook")
def set_webhook_command(
    url: Annotated[str, typer.Argument(help="Public https URL, e.g. https://bot.example.com")],
    config: ConfigOption = Path("config"),
    drop_pending: Annotated[
        bool, typer.Option(help="Discard updates Telegram queued while no webhook was set.")
    ] = False,
    api_server: ApiServerOption = None,
) -> None:
    """Point Telegram at this server's /telegram/webhook, with the secret token.

    Uses SALESBOT_TELEGRAM_TOKEN and SALESBOT_TELEGRAM_WEBHOOK_SECRET; also registers the
    command menu (/help, /language, /human, /stop) in English and Chinese.
    """
    settings = _settings(config)
    token = settings.secrets.telegram_token
    secret = settings.secrets.telegram_webhook_secret
    if token is None:
        raise _fail("SALESBOT_TELEGRAM_TOKEN is not set (the token from @BotFather)")
    if secret is None or not _SECRET.match(secret.get_secret_value()):
        raise _fail(
            "SALESBOT_TELEGRAM_WEBHOOK_SECRET must be set: 1-256 characters of A-Z a-z 0-9 _ -"
        )
    try:
        target = webhook_url(url)
    except ValueError as exc:
        raise _fail(str(exc)) from None

    async def run() -> None:
        from channels.telegram.channel import make_bot, set_webhook
        from channels.telegram.commands import register_commands

        bot = make_bot(token.get_secret_value(), api_server)
        try:
            await set_webhook(bot, target, secret.get_secret_value(), drop_pending=drop_pending)
            await register_commands(bot)
        finally:
            await bot.session.close()

    try:
        asyncio.run(run())
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}".replace(token.get_secret_value(), "<token>")
        raise _fail(f"Telegram refused: {message}") from None
    typer.echo(f"webhook set: {target}")


@telegram_app.command("delete-webhook")
def delete_webhook_command(
    config: ConfigOption = Path("config"), api_server: ApiServerOption = None
) -> None:
    """Remove the webhook (e.g. to go back to long polling during development)."""
    settings = _settings(config)
    token = settings.secrets.telegram_token
    if token is None:
        raise _fail("SALESBOT_TELEGRAM_TOKEN is not set (the token from @BotFather)")

    async def run() -> None:
        from channels.telegram.channel import make_bot

        bot = make_bot(token.get_secret_value(), api_server)
        try:
            await bot.delete_webhook(drop_pending_updates=False)
        finally:
            await bot.session.close()

    try:
        asyncio.run(run())
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}".replace(token.get_secret_value(), "<token>")
        raise _fail(f"Telegram refused: {message}") from None
    typer.echo("webhook deleted")
