"""``salesbot test STORIES...``: a business's conversation tests, run on the real bot (#15).

Exit codes: 0 when every story passed (or failed as its ``pending`` marker expects), 1 when
one failed, 2 when the stories or the configuration cannot be read.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.clock import NowOption, pinned_start
from bot.cli.common import DEFAULT_CONFIG, ConfigOption, fail
from dialogs.core.config import ConfigError


def test(
    stories: Annotated[
        list[Path],
        typer.Argument(
            help="Story files (YAML) or folders of them.", metavar="STORIES...", show_default=False
        ),
    ],
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    now: NowOption = None,
    name: Annotated[
        str | None,
        typer.Option("--name", "-k", help="Only the stories whose name contains this text."),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show the bot's warnings and errors.")
    ] = False,
) -> None:
    """Run conversation tests ("stories") against the bot, each on a fresh store.

    A story says what the customer types and clicks, what the bot must answer, and what
    must be in the CRM at the end (see config/README.md, "Stories"). Stories without their
    own `now:` start at --now / SALESBOT_NOW, else at the real time.
    """
    from bot.logs import configure_logging
    from bot.stories.parse import load_stories, vocabulary_of
    from bot.stories.report import as_json as json_report
    from bot.stories.report import story_lines, summary
    from bot.stories.runner import run_stories
    from bot.stories.stage import story_settings
    from dialogs.core.content import load_content

    default_now = pinned_start(now)
    try:
        settings = story_settings(config, os.environ)
        content = load_content(settings.config_dir)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    found, errors = load_stories(stories, vocabulary_of(content))
    if errors:
        for error in errors:
            typer.secho(f"error: {error}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2)
    chosen = [s for s in found if name is None or name.casefold() in s.name.casefold()]
    if not chosen:
        raise fail(f"no story name contains {name!r}" if name else "no stories to run")

    def show(result: object) -> None:
        if not as_json:
            for line in story_lines(result):  # type: ignore[arg-type]
                typer.echo(line)

    if verbose:
        configure_logging(settings)
        logging.getLogger().setLevel(logging.WARNING)
    else:
        # The outcome is the report: the bot's own log lines would bury it.
        logging.disable(logging.CRITICAL)
    started = time.perf_counter()
    try:
        results = asyncio.run(
            run_stories(settings, content, chosen, default_now=default_now, on_result=show)
        )
    except (ConfigError, ValueError, OSError) as exc:
        raise fail(f"cannot run the stories: {exc}") from None
    finally:
        logging.disable(logging.NOTSET)
    seconds = time.perf_counter() - started
    if as_json:
        typer.echo(json.dumps(json_report(results, seconds), ensure_ascii=False, indent=2))
    else:
        typer.echo(summary(results, seconds))
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)
