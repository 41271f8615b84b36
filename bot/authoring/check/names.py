"""Names of another business left in a configuration: a business that started from the
demo's files would otherwise greet its customers as the demo and sell its products.

The names are the demo business's brand and its distinctive product names
(``bot.demo.names``). A name counts as this business's own when its business
name or a product name or alias in its catalog contains it, so the demo itself passes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bot.authoring.check.files import Loaded
from bot.authoring.check.report import Report
from bot.demo.names import DEMO_NAMES
from bot.settings.model import SETTINGS_FILE
from dialogs.core.content import Catalog

FOREIGN_NAMES = DEMO_NAMES
SCANNED = (
    "texts/en.yaml",
    "texts/zh.yaml",
    "catalog/products.yaml",
    "catalog/faq.yaml",
    "lead_form.yaml",
    "survey.yaml",
    "reps.yaml",
    SETTINGS_FILE,
)


def check_names(loaded: Loaded, report: Report) -> None:
    own = _own_names(loaded)
    foreign = [n for n in FOREIGN_NAMES if not any(n.lower() in o.lower() for o in own)]
    if not foreign:
        return
    pattern = re.compile(
        r"(?<![A-Za-z0-9])(" + "|".join(re.escape(n) for n in foreign) + r")(?![A-Za-z0-9])",
        re.IGNORECASE,
    )
    business = loaded.settings.business.name if loaded.settings else "this business"
    for relative in SCANNED:
        data = loaded.raw.get(relative)
        for key, text in _strings(data):
            if match := pattern.search(text):
                _warn(report, loaded.path(relative), key, match.group(1), business)
    for lang, examples in loaded.examples.items():
        named: dict[str, str] = {}
        for example in examples:
            if match := pattern.search(example.text):
                named.setdefault(example.intent, match.group(1))
        for intent, name in named.items():
            _warn(report, loaded.path(f"nlu/{lang}.yml"), intent, name, business)


def _warn(report: Report, path: str, key: str, name: str, business: str) -> None:
    report.warning(
        path,
        key,
        f"names {name!r}, which is another business's (the demo's), not {business}'s",
        "replace it with your own name or product, or remove it",
    )


def _own_names(loaded: Loaded) -> list[str]:
    own = [loaded.settings.business.name] if loaded.settings else []
    catalog = loaded.model("catalog/products.yaml", Catalog)
    for product in catalog.products if catalog else ():
        own += [product.name.en, product.name.zh, *product.aliases.en, *product.aliases.zh]
        own += [plan.name.en for plan in product.plans]
    return [name for name in own if name]


def _strings(data: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(dotted key, text)`` for every text in parsed YAML."""
    if isinstance(data, str):
        yield prefix.rstrip("."), data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, f"{prefix}{key}.")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _strings(value, f"{prefix}{i}.")
