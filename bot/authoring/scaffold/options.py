"""What ``salesbot init`` is told about a new business, checked before anything is written."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from dialogs.core.content import LANGS
from dialogs.core.settings import check_timezone

KINDS = ("goods", "software", "service")
MAX_NAME = 100
# The currency's word in Chinese texts ("USD" reads as 美元); others show the ISO code.
CURRENCY_ZH = {
    "USD": "美元",
    "EUR": "欧元",
    "GBP": "英镑",
    "CNY": "元",
    "JPY": "日元",
    "HKD": "港元",
    "SGD": "新加坡元",
    "AUD": "澳元",
    "CAD": "加元",
    "CHF": "瑞士法郎",
}


class OptionError(ValueError):
    """A bad option; the message names it and says what is allowed."""


@dataclass(frozen=True)
class Business:
    name: str
    languages: tuple[str, ...]  # the first is the default language
    currencies: tuple[str, ...]  # the catalog prices in each; customers see the first by default
    timezone: str
    kind: str

    @property
    def currency(self) -> str:
        return self.currencies[0]

    @property
    def slug(self) -> str:
        """The name as a file name: ``Acme Café Ltd.`` -> ``acme-cafe-ltd``."""
        ascii_name = unicodedata.normalize("NFKD", self.name).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40] or "business"

    @property
    def phone_region(self) -> str:
        return country_of_zone(self.timezone) or "US"


def parse_business(
    name: str, languages: str, currencies: str, timezone: str, kind: str
) -> Business:
    return Business(
        name=_name(name),
        languages=_languages(languages),
        currencies=_currencies(currencies),
        timezone=_timezone(timezone),
        kind=_kind(kind),
    )


def _name(name: str) -> str:
    name = name.strip()
    if not name:
        raise OptionError("--name: give the business's name, e.g. --name 'Acme Ltd'")
    if len(name) > MAX_NAME:
        raise OptionError(f"--name: at most {MAX_NAME} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise OptionError("--name: no line breaks or control characters")
    if "{" in name or "}" in name:
        # Texts fill in {placeholders}; a brace in the name would read as one.
        raise OptionError("--name: no curly braces (texts use them for placeholders)")
    return name


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _languages(value: str) -> tuple[str, ...]:
    langs = _items(value.lower())
    unknown = [lang for lang in langs if lang not in LANGS]
    if not langs or unknown:
        shown = ", ".join(unknown) or "nothing"
        raise OptionError(f"--languages: {shown} is not supported; use en, zh or en,zh")
    if len(set(langs)) != len(langs):
        raise OptionError("--languages: a language is listed twice")
    return tuple(langs)


def _currencies(value: str) -> tuple[str, ...]:
    codes = [code.upper() for code in _items(value)]
    bad = [code for code in codes if not re.fullmatch(r"[A-Z]{3}", code)]
    if not codes or bad:
        shown = ", ".join(bad) or "nothing"
        raise OptionError(f"--currency: {shown} is not a 3-letter ISO 4217 code like EUR or USD")
    return tuple(dict.fromkeys(codes))


def _timezone(value: str) -> str:
    try:
        return check_timezone(value.strip())
    except ValueError as exc:
        raise OptionError(f"--timezone: {exc}") from None


def _kind(value: str) -> str:
    if value not in KINDS:
        raise OptionError(f"--kind: {value!r} is not one of {', '.join(KINDS)}")
    return value


def country_of_zone(zone: str) -> str | None:
    """The country of an IANA zone (``Europe/Berlin`` -> ``DE``) from the zone table that
    ships with ``tzdata``, or the system's; None for ``UTC`` and zones of no country."""
    for table in _zone_tables():
        try:
            lines = table.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for line in lines:
            fields = line.split("\t")
            if not line.startswith("#") and len(fields) >= 3 and fields[2] == zone:
                return fields[0]
    return None


def _zone_tables() -> list[Path]:
    tables = [Path("/usr/share/zoneinfo/zone.tab")]
    try:
        tables.insert(0, Path(str(resources.files("tzdata").joinpath("zoneinfo", "zone.tab"))))
    except ModuleNotFoundError:
        pass
    return tables
