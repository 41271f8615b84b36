"""``salesbot nlu train|evaluate``: train the per-language pipelines, measure them on data.

Heavy imports (spaCy, scikit-learn) happen inside the commands so ``salesbot --help`` stays
fast. Exit codes: 0 ok, 2 bad input (one-line error on stderr).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

LANGS = ("en", "zh")
nlu_app = typer.Typer(help="Train and evaluate the NLU pipelines.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(2)


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise _fail(f"unsupported language '{lang}'; use one of: {', '.join(LANGS)}")
    return lang


@nlu_app.command()
def train(
    config: Annotated[
        Path,
        typer.Option("--config", "-c", envvar="SALESBOT_CONFIG", help="Configuration directory."),
    ] = Path("config"),
    lang: Annotated[
        str | None, typer.Option(help="en or zh; default: every <config>/nlu/<lang>.yml.")
    ] = None,
    model_dir: Annotated[
        Path | None,
        typer.Option(help="Where to save the model; default .salesbot/models/<lang>."),
    ] = None,
    oos_label: Annotated[
        str | None, typer.Option(help="Intent in the data that means out of scope.")
    ] = None,
) -> None:
    """Train from <config>/nlu/<lang>.yml and save the pipeline."""
    from dialogs.nlu import NluDataError, NluModel, load_examples
    from dialogs.understanding import OUT_OF_SCOPE

    langs = [_check_lang(lang)] if lang else [x for x in LANGS if _data_file(config, x).exists()]
    if not langs:
        raise _fail(f"no training data: expected {config / 'nlu' / 'en.yml'} or zh.yml")
    if model_dir is not None and len(langs) > 1:
        raise _fail("--model-dir needs --lang (one directory per language)")
    for code in langs:
        path = _data_file(config, code)
        target = model_dir or _default_model_dir(config) / code
        try:
            examples = load_examples(path)
            label = oos_label or OUT_OF_SCOPE  # as `serve` trains it, so serve reuses this model
            started = time.perf_counter()
            model = NluModel.train(code, examples, oos_label=label)
        except NluDataError as exc:
            raise _fail(str(exc)) from None
        seconds = time.perf_counter() - started
        model.save(target)
        typer.echo(
            f"{code}: {len(model.intents)} intents, {len(examples)} examples, "
            f"trained in {seconds:.1f} s, threshold {model.threshold:.3f} -> {target}"
        )


def _default_model_dir(config: Path) -> Path:
    from bot.settings.model import load_settings
    from dialogs.core.config import ConfigError

    try:
        return load_settings(config).data_dir / "models"
    except ConfigError as exc:
        raise _fail(str(exc)) from None


def _data_file(config: Path, lang: str) -> Path:
    return config / "nlu" / f"{lang}.yml"


@nlu_app.command()
def evaluate(
    train_file: Annotated[
        Path, typer.Option("--train", help="Training data (.yml Rasa NLU or .csv text,label).")
    ],
    test_file: Annotated[Path, typer.Option("--test", help="Test data, same formats.")],
    lang: Annotated[str, typer.Option(help="en or zh.")] = "en",
    oos_label: Annotated[
        str | None, typer.Option(help="Label of out-of-scope examples (e.g. oos).")
    ] = None,
    threshold: Annotated[
        float | None, typer.Option(help="Out-of-scope threshold; default: chosen or built-in.")
    ] = None,
    validation: Annotated[
        Path | None, typer.Option(help="Validation data to calibrate and pick the threshold.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Train on --train and report accuracy, out-of-scope detection and latency on --test."""
    from dialogs.nlu import NluDataError, evaluate, load_examples

    _check_lang(lang)
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise _fail(f"--threshold must be between 0 and 1, got {threshold}")
    try:
        train_set = load_examples(train_file)
        test_set = load_examples(test_file)
        validation_set = load_examples(validation) if validation else None
        report = evaluate(
            train_set,
            test_set,
            lang,
            oos_label=oos_label,
            threshold=threshold,
            validation=validation_set,
        )
    except NluDataError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(report.summary()))
        return
    for key, value in report.summary().items():
        shown = "n/a" if value is None else f"{value:.4f}" if isinstance(value, float) else value
        typer.echo(f"{key:18s} {shown}")
    typer.echo(f"{'threshold':18s} {report.threshold:.4f}")
