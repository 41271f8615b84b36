"""Money amounts: "$1,200", "1200 dollars", "5k", "500元", "¥300", "3万块", "三千元"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from dialogs.nlu.numbers import CN_NUMERAL_CHARS, to_decimal


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str | None  # ISO 4217; None when only a number was said ("5k")


@dataclass(frozen=True, slots=True)
class MoneyMatch:
    start: int
    end: int
    text: str
    value: Money


_SYMBOLS = {"us$": "USD", "$": "USD", "¥": "CNY", "￥": "CNY", "€": "EUR", "£": "GBP"}
_WORDS = {
    "usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD", "美元": "USD", "美金": "USD",
    "rmb": "CNY", "cny": "CNY", "yuan": "CNY", "元": "CNY", "块": "CNY", "块钱": "CNY",
    "人民币": "CNY", "eur": "EUR", "euro": "EUR", "euros": "EUR", "欧元": "EUR",
    "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "英镑": "GBP",
}  # fmt: skip
_MULTIPLIERS = {"k": 1_000, "thousand": 1_000, "grand": 1_000, "m": 1_000_000}
_MULTIPLIERS |= {"million": 1_000_000, "千": 1_000, "万": 10_000, "百万": 1_000_000}

_NUMBER = rf"(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|[{CN_NUMERAL_CHARS}]+)"
_MULT = r"(?:\s?(?:thousand|million|grand|k|m)\b|百万|万|千)"
_SYMBOL = r"(?:US\$|\$|¥|￥|€|£)"
_CODE = r"(?:USD|RMB|CNY|EUR|GBP)"
_WORD = (
    r"(?:dollars?|bucks|usd|rmb|cny|yuan|euros?|eur|pounds?|gbp)\b"
    r"|美元|美金|人民币|欧元|英镑|块钱|元|块"
)
_PATTERN = re.compile(
    rf"(?P<sym>{_SYMBOL}|\b{_CODE}\s?)(?P<n1>{_NUMBER})(?P<m1>{_MULT})?"
    rf"|(?P<n2>{_NUMBER})(?P<m2>{_MULT})?\s?(?P<word>{_WORD})"
    rf"|\b(?P<n3>\d+(?:\.\d+)?)(?P<m3>\s?k)\b",
    re.IGNORECASE,
)


def find_money(text: str) -> list[MoneyMatch]:
    found = []
    for match in _PATTERN.finditer(text):
        number = match.group("n1") or match.group("n2") or match.group("n3")
        if number is None or number[0] in CN_NUMERAL_CHARS and not _is_chinese_amount(match):
            continue
        amount = to_decimal(number)
        if not amount:  # unreadable, or a bare unit such as "万元"
            continue
        mult = (match.group("m1") or match.group("m2") or match.group("m3") or "").strip()
        amount *= _MULTIPLIERS.get(mult.lower(), 1)
        if amount == amount.to_integral_value():
            amount = amount.quantize(Decimal(1))  # 1.5万 -> 15000, not 15000.0
        currency = _currency(match)
        found.append(
            MoneyMatch(match.start(), match.end(), match.group(0), Money(amount, currency))
        )
    return found


def _is_chinese_amount(match: re.Match[str]) -> bool:
    # Chinese numerals only count before a Chinese currency word ("三千元"), so that e.g.
    # "一下" or "十分" are never read as amounts.
    word = match.group("word") or ""
    return bool(word) and not word.isascii()


def _currency(match: re.Match[str]) -> str | None:
    symbol = (match.group("sym") or "").strip().lower()
    if symbol:
        return _SYMBOLS.get(symbol) or {"rmb": "CNY"}.get(symbol, symbol.upper())
    word = (match.group("word") or "").lower()
    return _WORDS.get(word) if word else None
