"""``salesbot init``: a complete, commented configuration for a new business.

The files come from ``templates/`` (YAML with comments, shipped as package data) with the
business's name, languages, currency and time zone filled in; the catalog is the worked
example of the chosen kind (a physical good, a software subscription or a service). No
demo content: the result names only the new business, and ``salesbot check`` passes on it.
"""

from __future__ import annotations

import re
from email.utils import formataddr
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml

from bot.authoring.scaffold.options import CURRENCY_ZH, Business, OptionError, parse_business
from bot.authoring.scaffold.render import render

__all__ = ["Business", "OptionError", "ScaffoldError", "parse_business", "render_files", "scaffold"]

TEMPLATES = resources.files(__package__) / "templates"
SENDER_ADDRESS = "sales@example.com"
# Template -> where it goes; the catalog and the NLU data depend on the options.
COMMON = (
    "settings.yaml",
    "booking.yaml",
    "reps.yaml",
    "lead_form.yaml",
    "survey.yaml",
    "intents.yaml",
    "catalog/faq.yaml",
    "texts/en.yaml",
    "texts/zh.yaml",
    "README.md",
)


class ScaffoldError(Exception):
    """The directory cannot take a new configuration (not empty, not a directory)."""


def scaffold(directory: Path, business: Business, *, force: bool = False) -> list[Path]:
    """Write the configuration into ``directory``; the written files, in order.

    Everything is rendered before the first file is written, so a problem leaves the
    directory as it was. ``force`` overwrites these files in a non-empty directory and
    leaves any others alone.
    """
    files = render_files(business, directory)
    if directory.exists() and not directory.is_dir():
        raise ScaffoldError(f"{directory}: exists and is not a directory")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise ScaffoldError(
            f"{directory}: not empty; choose a new directory or pass --force to overwrite "
            "the configuration files in it"
        )
    written = []
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def render_files(business: Business, directory: Path) -> dict[str, str]:
    """Output path (relative to the configuration directory) -> its text."""
    values = _values(business, directory)
    catalog = _several_currencies(
        _render(f"catalog/products/{business.kind}.yaml", values), business.currencies
    )
    example = yaml.safe_load(catalog)["products"][0]  # the lead form offers it as a choice
    values |= {
        "PRODUCT_ID": example["id"],
        "PRODUCT_EN": example["name"]["en"],
        "PRODUCT_ZH": example["name"]["zh"],
    }
    files = {name: _render(name, values) for name in COMMON}
    files["catalog/products.yaml"] = catalog
    for lang in business.languages:
        files[f"nlu/{lang}.yml"] = _render(f"nlu/{lang}.yml", values)
    return dict(sorted(files.items()))


def _render(name: str, values: dict[str, str]) -> str:
    template = _template(name).read_text(encoding="utf-8")
    return render(template, values, source=name, as_yaml=not name.endswith(".md"))


def _template(name: str) -> Traversable:
    node = TEMPLATES
    for part in name.split("/"):
        node = node / part
    return node


def _values(business: Business, directory: Path) -> dict[str, str]:
    code = business.currency
    others = ", ".join(business.currencies[1:])
    note = f"Prices are in {code}."
    if others:
        note = (
            f"Prices are in {code} and {others}: the example's numbers are the same in each, "
            "change them. Customers see the first unless currency_by_language says otherwise."
        )
    return {
        "NAME": business.name,
        "CONFIG_DIR": str(directory),
        "DATA_DIR": f".salesbot-{business.slug}",
        "DEFAULT_LANGUAGE": business.languages[0],
        "LANGUAGES": f"[{', '.join(business.languages)}]",
        "TIMEZONE": business.timezone,
        "PHONE_REGION": business.phone_region,
        "SENDER": _sender(business.name),
        "CURRENCY": code,
        "CURRENCY_KEY": code.lower(),
        "CURRENCY_EN": code,
        "CURRENCY_ZH": CURRENCY_ZH.get(code, code),
        "CURRENCY_NOTE": note,
    }


def _several_currencies(catalog: str, codes: tuple[str, ...]) -> str:
    """The rendered catalog priced in every currency asked for (codes are checked 3-letter
    words, so editing the text cannot break the YAML; the result is validated by tests)."""
    if len(codes) < 2:
        return catalog
    catalog = catalog.replace(f"\ncurrency: {codes[0]}\n", f"\ncurrencies: [{', '.join(codes)}]\n")
    each = ", ".join(f"{code}: \\1" for code in codes)
    return re.sub(r"\bprice: (\d+)", f"prices: {{{each}}}", catalog)


def _sender(name: str) -> str:
    # formataddr quotes a name with commas or dots; a non-ASCII name is kept as written
    # (SMTP encodes it when sending) rather than as an =?utf-8?...?= word in the file.
    if name.isascii():
        return formataddr((name, SENDER_ADDRESS))
    return f"{name} <{SENDER_ADDRESS}>"
