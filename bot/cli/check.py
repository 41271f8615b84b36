"""``salesbot check [--config DIR] [--json]``: every problem of a configuration, one a line.

Exit codes: 0 no errors (warnings allowed), 1 errors. The JSON shape is documented in
``bot.authoring.check.report`` and README.md.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli.common import DEFAULT_CONFIG, ConfigOption


def check(
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    nlu: Annotated[bool, typer.Option(help="Cross-validate the NLU data (a few seconds).")] = True,
) -> None:
    """Check a configuration: errors stop the bot, warnings make it worse than it could be.

    Each finding is one line, `file: key: problem (how to fix)`; then a summary with the
    NLU cross-validation accuracy per language. Exit 1 when there are errors.
    """
    from bot.authoring.check import run_check

    report = run_check(config, nlu=nlu)
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for line in report.lines():
            typer.echo(line)
    if report.errors:
        raise typer.Exit(1)
