"""Each file of a configuration read and validated on its own, so one broken file does not
hide the problems of the others, and every schema error is reported, not only the first.

What loads is handed on (``Loaded``) for the checks that read several files together.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.authoring.check.report import Report
from bot.scheduler.texts import DEFAULTS as SCHEDULER_TEXTS
from bot.settings.model import (
    RESERVED_KEYS,
    SECRET_IN_FILE,
    SETTINGS_FILE,
    Settings,
    missing_secrets,
    overlay_environment,
    secret_keys,
)
from dialogs.core.config import ConfigError, problems_of, read_yaml
from dialogs.core.content import LANGS, Booking, Catalog, Faq, LeadForm, Reps, Survey
from dialogs.core.wording import placeholders, text_problems
from dialogs.nlu.builtin import business_examples
from dialogs.nlu.data import Example, NluDataError

M = TypeVar("M", bound=BaseModel)
CONTENT: dict[str, type[BaseModel]] = {
    "catalog/products.yaml": Catalog,
    "catalog/faq.yaml": Faq,
    "lead_form.yaml": LeadForm,
    "survey.yaml": Survey,
    "booking.yaml": Booking,
    "reps.yaml": Reps,
}
OPTIONAL = frozenset({"booking.yaml"})  # built-in defaults apply without it


@dataclass(frozen=True)
class Loaded:
    """The parts of a configuration that loaded; None where a file was broken."""

    directory: Path
    settings: Settings | None
    models: Mapping[str, BaseModel]  # content file -> its model
    raw: Mapping[str, Any] = field(default_factory=dict)  # file -> parsed YAML
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    examples: Mapping[str, list[Example]] = field(default_factory=dict)  # lang -> data

    def path(self, relative: str) -> str:
        return str(self.directory / relative)

    def model(self, relative: str, kind: type[M]) -> M | None:
        value = self.models.get(relative)
        return value if isinstance(value, kind) else None


def load_all(directory: Path, report: Report, environ: Mapping[str, str] | None = None) -> Loaded:
    env = dict(os.environ if environ is None else environ)
    raw: dict[str, Any] = {}
    settings = _settings(directory, env, report, raw)
    models: dict[str, BaseModel] = {}
    for relative, kind in CONTENT.items():
        path = directory / relative
        if relative in OPTIONAL and not path.exists():
            continue
        data = _read(path, report)
        if data is None:
            continue
        raw[relative] = data
        try:
            models[relative] = kind.model_validate(data)
        except ValidationError as exc:
            for p in problems_of(exc):
                report.error(str(path), p.key, p.problem, p.fix)
    texts = _texts(directory, report, raw)
    examples = _examples(directory, settings, report)
    return Loaded(directory, settings, models, raw, texts, examples)


def _read(path: Path, report: Report) -> dict[str, Any] | None:
    try:
        data = read_yaml(path)
    except ConfigError as exc:
        fix = "create it (`salesbot init` writes a complete example)"
        if "malformed" in exc.problem:
            fix = "indent with spaces, and put texts with a colon in double quotes"
        report.error(exc.source, exc.key, exc.problem, fix)
        return None
    for key in duplicate_keys(path):
        report.warning(
            str(path), key, "appears twice; only the last one counts", "remove the one not meant"
        )
    return data


def _settings(
    directory: Path, env: Mapping[str, str], report: Report, raw: dict[str, Any]
) -> Settings | None:
    path = directory / SETTINGS_FILE
    data: dict[str, Any] | None = _read(path, report) if path.exists() else {}
    if data is None:
        return None
    raw[SETTINGS_FILE] = data
    broken = False
    for dotted in secret_keys(data):
        report.error(str(path), dotted, SECRET_IN_FILE, "delete the line")
        broken = True
    for key in RESERVED_KEYS:
        if key in data:
            report.error(str(path), key, "cannot be set in the settings file", "delete it")
            broken = True
    try:
        data = overlay_environment(data, env)
    except ConfigError as exc:
        report.error(exc.source, exc.key, exc.problem, "unset that environment variable")
        return None
    data = {**data, "config_dir": directory}
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        for p in problems_of(exc):
            report.error(str(path), p.key, p.problem, p.fix)
        return None
    if not settings.business.name:
        report.error(
            str(path),
            "business.name",
            "missing: serve refuses to start without the name customers see",
            "add `business: {name: Your Business}`",
        )
    for var, because in missing_secrets(settings):
        # A warning: secrets live only where the bot runs, not where its files are checked.
        report.warning(
            var, "", f"not set: serve needs it because {because}", "set it where the bot runs"
        )
    return None if broken else settings


def _texts(directory: Path, report: Report, raw: dict[str, Any]) -> dict[str, dict[str, str]]:
    # The scheduler's texts may be overridden here; their placeholders are checked as well.
    known = {
        key: frozenset().union(
            *(placeholders(t[key]) for t in SCHEDULER_TEXTS.values() if key in t)
        )
        for key in SCHEDULER_TEXTS["en"]
    }
    texts: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        relative = f"texts/{lang}.yaml"
        path = directory / relative
        data = _read(path, report)
        if data is None:
            continue
        raw[relative] = data
        for key, value in data.items():
            if not isinstance(value, str):
                report.error(str(path), str(key), "must be a text", 'write it in "double quotes"')
        strings = {str(k): v for k, v in data.items() if isinstance(v, str)}
        for key, problem in text_problems(strings, known):
            fix = "write the text for it" if problem.startswith("missing") else "fix the braces"
            report.error(str(path), key, problem, fix)
        texts[lang] = strings
    if len(texts) == len(LANGS):
        en, zh = texts["en"], texts["zh"]
        for key in sorted(set(en) ^ set(zh)):
            where, other = ("zh", "en") if key in en else ("en", "zh")
            report.error(
                str(directory / f"texts/{where}.yaml"),
                key,
                f"missing here but in texts/{other}.yaml (both need the same keys)",
                "add it in this language",
            )
    return texts


def _examples(
    directory: Path, settings: Settings | None, report: Report
) -> dict[str, list[Example]]:
    spoken = settings.business.languages if settings else LANGS
    examples: dict[str, list[Example]] = {}
    for lang in LANGS:
        path = directory / "nlu" / f"{lang}.yml"
        if not path.exists():
            if lang in spoken:
                report.warning(
                    str(path),
                    "",
                    f"no training data for {lang}, a language in business.languages",
                    "write it (`salesbot init` has an example) or drop the language",
                )
            continue
        try:
            # What the bot trains on: the business's data merged with the built-in intents.
            examples[lang] = business_examples(path, lang)
        except NluDataError as exc:
            problem = str(exc).removeprefix(f"{path}: ")
            report.error(str(path), "", problem, "see the Rasa NLU format in README.md, NLU")
            continue
        for key in duplicate_keys(path):
            report.warning(str(path), key, "appears twice; only the last one counts", "merge them")
    return examples


class _KeyCollector(yaml.SafeLoader):
    """A loader that records mapping keys it sees twice (PyYAML keeps the last silently)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[str] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if isinstance(key, str | int) and key in seen:
                self.duplicates.append(f"{key} (line {key_node.start_mark.line + 1})")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def duplicate_keys(path: Path) -> list[str]:
    try:
        loader = _KeyCollector(path.read_text(encoding="utf-8"))
        try:
            loader.get_single_data()
        finally:
            loader.dispose()  # type: ignore[no-untyped-call]
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []  # reported by the reader already
    return loader.duplicates
