"""``salesbot slack manifest``: the Slack app manifest for this server, ready to paste."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.settings.model import load_settings
from dialogs.core.config import ConfigError

slack_app = typer.Typer(help="Slack app: the manifest to create it with.", no_args_is_help=True)

ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="SALESBOT_CONFIG", help="Configuration directory."),
]


@slack_app.callback()
def slack_main() -> None:
    """Slack app: the manifest to create it with."""
    # A callback keeps ``manifest`` a subcommand (typer folds a lone command into the group).


@slack_app.command("manifest")
def manifest_command(
    config: ConfigOption = Path("config"),
    public_url: Annotated[
        str | None,
        typer.Option(help="The server's public https URL; default: server.public_url."),
    ] = None,
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="No request URLs: connect with an app token.")
    ] = False,
) -> None:
    """Print the app manifest (YAML) for api.slack.com/apps -> From an app manifest."""
    from channels.slack.manifest import manifest_yaml

    if public_url is None:
        try:
            public_url = load_settings(config).server.public_url
        except ConfigError as exc:
            typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
            raise typer.Exit(2) from None
    if not socket_mode and not public_url.startswith("https://"):
        typer.secho(
            f"warning: Slack only calls https:// URLs; {public_url} will not work "
            "(pass --public-url https://... or use --socket-mode)",
            err=True,
            fg=typer.colors.YELLOW,
        )
    typer.echo(manifest_yaml(public_url, socket_mode=socket_mode), nl=False)
