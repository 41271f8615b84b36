"""``salesbot faq evaluate``: how well the knowledge base answers a business's paraphrases.

The logic lives in ``dialogs.knowledge.evaluation``; this module parses options and prints.
Exit codes: 0 ok, 2 bad input (one-line error on stderr).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

faq_app = typer.Typer(help="Measure FAQ retrieval.", no_args_is_help=True)


@faq_app.callback()
def _group() -> None:
    """Measure FAQ retrieval."""


@faq_app.command()
def evaluate(
    faq: Annotated[
        Path,
        typer.Option(help="FAQ: CSV id,question,answer[,alternatives] or the bot's faq.yaml."),
    ],
    queries: Annotated[Path, typer.Option(help="Paraphrased questions: CSV query,faq_id.")],
    lang: Annotated[str, typer.Option(help="en or zh.")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Build the bot's knowledge base from --faq and report top-1/top-3/MRR, the share
    answered directly (above the confidence gate) and how many of those were right."""
    from dialogs.knowledge.evaluation import FaqDataError, evaluate_faq, load_faq, load_queries

    if lang not in ("en", "zh"):
        typer.secho(f"error: unsupported language '{lang}'; use en or zh", err=True, fg="red")
        raise typer.Exit(2)
    try:
        report = evaluate_faq(load_faq(faq, lang), load_queries(queries), lang)
    except (FaqDataError, ValueError) as exc:
        typer.secho(f"error: {str(exc).splitlines()[0]}", err=True, fg="red")
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report.summary()))
        return
    for key, value in report.summary().items():
        typer.echo(f"{key:18s} {value:.4f}")
    typer.echo(f"{'entries':18s} {report.n_entries}")
    typer.echo(f"{'queries':18s} {report.n_queries}")
