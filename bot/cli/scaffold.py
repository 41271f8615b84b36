"""``salesbot init DIR --name NAME``: a new business's configuration, ready to serve.

Exit codes: 0 written, 2 a bad option or a directory that cannot take it (one line on
stderr, nothing written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import fail


def init(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Where to write it (new or empty).")
    ],
    name: Annotated[str, typer.Option("--name", help="The business's name, as customers see it.")],
    languages: Annotated[
        str, typer.Option(help="Languages, comma-separated; the first is the default: en, zh.")
    ] = "en,zh",
    currency: Annotated[
        str, typer.Option(help="ISO 4217 code(s), e.g. EUR or EUR,USD; prices use the first.")
    ] = "USD",
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Berlin.")] = "UTC",
    kind: Annotated[
        str, typer.Option(help="The worked example product: goods, software or service.")
    ] = "goods",
    force: Annotated[
        bool, typer.Option(help="Overwrite these files in a non-empty directory.")
    ] = False,
) -> None:
    """Write a complete, commented configuration for a new business into DIR.

    Placeholders and one worked example in each file, the business's name in the texts,
    neutral training data for every intent the bot acts on; nothing of the demo's.
    Then run `salesbot check --config DIR` and `salesbot serve --config DIR`.
    """
    from bot.authoring.scaffold import OptionError, ScaffoldError, parse_business, scaffold

    try:
        business = parse_business(name, languages, currency, timezone, kind)
        written = scaffold(directory, business, force=force)
    except (OptionError, ScaffoldError) as exc:
        raise fail(str(exc)) from None
    for path in written:
        typer.echo(f"wrote {path}")
    typer.echo(
        f"\n{business.name}: edit the files (start with catalog/products.yaml), then\n"
        f"  salesbot check --config {directory}\n"
        f"  salesbot serve --config {directory}"
    )
