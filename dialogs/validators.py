"""Validators for form answers: e-mail, phone, choice, number and free text.

Each returns a ``Checked``: either the normalised value to store, or the text key (and its
values) explaining what is wrong, so the flow can re-ask with the reason and store nothing.
Answers are often wrapped in a sentence ("it's jo@acme.com", "5 rooms", "第二个"), so the
value is looked for inside the text, not only as the whole message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from dialogs.core.content import Choice, FormField
from dialogs.nlu.numbers import CN_NUMERAL_CHARS, cn_to_int

MAX_TEXT = 200  # contact name and company columns hold 200 characters
_DEFAULT_MAX = 1_000_000_000


@dataclass(frozen=True)
class Checked:
    ok: bool
    value: Any = None
    reason: str | None = None  # a text key, e.g. "lead_invalid_email"
    reason_values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def valid(cls, value: Any) -> Checked:
        return cls(True, value)

    @classmethod
    def invalid(cls, reason: str, **values: Any) -> Checked:
        return cls(False, reason=reason, reason_values=values)


def check(form_field: FormField, text: str, *, regions: Sequence[str] = ("US",)) -> Checked:
    """Validate a typed answer for ``form_field``."""
    kind = form_field.validator
    if kind == "email":
        return check_email(text)
    if kind == "phone":
        return check_phone(text, regions)
    if kind == "choice":
        return check_choice(form_field.choices, text)
    if kind == "number":
        return check_number(text, form_field.min, form_field.max)
    return check_text(text)


# ── e-mail ────────────────────────────────────────────────────────────────
# ASCII local parts only when picking an address out of a sentence: "我的邮箱是jo@acme.com"
# must not become the (valid, internationalised) address "我的邮箱是jo@acme.com".
_EMAIL_LIKE = re.compile(r"[A-Za-z0-9._%+-]+@[^\s<>()\[\],;:，；：“”\"'。]+")


def check_email(text: str) -> Checked:
    candidates = [m.group(0).rstrip(".") for m in _EMAIL_LIKE.finditer(text)]
    if text.strip() and not any(ch.isspace() for ch in text.strip()):
        candidates.append(text.strip())
    for candidate in candidates:
        try:
            result = validate_email(candidate, check_deliverability=False)
        except EmailNotValidError:
            continue
        # The CRM matches contacts on lower-cased e-mail; store it the same way.
        return Checked.valid(result.normalized.lower())
    return Checked.invalid("lead_invalid_email")


# ── phone ─────────────────────────────────────────────────────────────────
def check_phone(text: str, regions: Sequence[str] = ("US",)) -> Checked:
    """Valid numbers only, as E.164; ``regions`` are tried in order for national formats."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if sum(ch.isdigit() for ch in cleaned) < 6:
        return Checked.invalid("lead_invalid_phone")
    for region in regions:
        number = _parse_phone(cleaned, region)
        if number is not None:
            return Checked.valid(
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            )
    return Checked.invalid("lead_invalid_phone")


def _parse_phone(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
        if phonenumbers.is_valid_number(number):
            return number
    except phonenumbers.NumberParseException:
        pass
    # The number inside a sentence: "my phone is +1 617 555 0100".
    for match in phonenumbers.PhoneNumberMatcher(text, region):
        if phonenumbers.is_valid_number(match.number):
            return match.number
    return None


# ── choice ────────────────────────────────────────────────────────────────
_DASHES = dict.fromkeys(map(ord, "–—−‐‑～~至到"), "-")
_ORDINAL = re.compile(
    rf"^(?:(?:option|number|no\.?|#|选|选择|第)\s*)?(\d{{1,2}}|[{CN_NUMERAL_CHARS}]{{1,3}})"
    r"\s*(?:个|项|种|条|号)?(?:选项)?$"
)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_DASHES)
    return re.sub(r"[\s.,!?;:'\"()“”‘’。，！？；：、（）]+", "", text)


def _words(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_DASHES)
    return " ".join(re.sub(r"[.,!?;:'\"()“”‘’。，！？；：、（）]+", " ", text).split())


def check_choice(choices: Sequence[Choice], text: str) -> Checked:
    """A choice by value, by its label in either language, or by its number in the list."""
    wanted = _norm(text)
    if not wanted:
        return Checked.invalid("lead_invalid_choice")
    for choice in choices:
        names = {_norm(choice.value), _norm(choice.label.en), _norm(choice.label.zh)}
        if wanted in names:
            return Checked.valid(choice.value)
    ordinal = _ORDINAL.match(wanted)
    if ordinal:
        index = cn_to_int(ordinal.group(1))
        if index is not None and 1 <= index <= len(choices):
            return Checked.valid(choices[index - 1].value)
        return Checked.invalid("lead_invalid_choice")
    # A part of a label ("cam 4k", "一个月") or a choice inside a sentence ("the bar please").
    sentence = _words(text)
    said = set(sentence.split())
    own = _distinctive_words(choices)
    partial = [c for c in choices if _mentions(c, wanted, sentence) or said & own[c.value]]
    if len(partial) == 1:
        return Checked.valid(partial[0].value)
    return Checked.invalid("lead_invalid_choice")


def _distinctive_words(choices: Sequence[Choice]) -> dict[str, set[str]]:
    """Label words only one choice has ("cam", "whiteboard"), so "cam and bar" is two."""
    words = {
        c.value: {w for w in _words(f"{c.label.en} {c.label.zh}").split() if len(w) >= 3}
        for c in choices
    }
    counts: dict[str, int] = {}
    for group in words.values():
        for word in group:
            counts[word] = counts.get(word, 0) + 1
    return {value: {w for w in group if counts[w] == 1} for value, group in words.items()}


def _mentions(choice: Choice, wanted: str, sentence: str) -> bool:
    for name in (choice.label.en, choice.label.zh):
        label = _norm(name)
        if len(wanted) >= 2 and wanted in label:
            return True
        if len(label) >= 3 and label in wanted:
            return True
    value = re.escape(_norm(choice.value))
    return re.search(rf"(?<![a-z0-9]){value}(?![a-z0-9])", sentence) is not None


# ── number ────────────────────────────────────────────────────────────────
_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "a dozen": 12, "dozen": 12,
}  # fmt: skip
_MULTIPLIER = {"k": 1_000, "thousand": 1_000, "grand": 1_000, "m": 1_000_000}
_MULTIPLIER |= {"million": 1_000_000, "mn": 1_000_000, "千": 1_000, "万": 10_000}
_MULTIPLIER |= {"百万": 1_000_000, "亿": 100_000_000}
_NUMBER = re.compile(
    r"(?<![\w.])(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)"
    r"\s?(百万|thousand|million|grand|mn|k|m|千|万|亿)?(?![a-z])",
    re.IGNORECASE,
)
_CN_NUMBER = re.compile(rf"[{CN_NUMERAL_CHARS}]+")
_WORD_NUMBER = re.compile(r"\b(" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")\b")


def parse_number(text: str) -> Decimal | None:
    """The one number in ``text`` ("5", "5 rooms", "$25k", "1,200", "五间", "3万"); None if
    there is none or several ("5 or 6" is not an answer we can store)."""
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    found: list[Decimal] = []
    for match in _NUMBER.finditer(cleaned):
        try:
            value = Decimal(match.group(1).replace(",", ""))
        except InvalidOperation:
            continue
        found.append(value * _MULTIPLIER.get((match.group(2) or "").lower(), 1))
    if not found:
        for match in _CN_NUMBER.finditer(cleaned):
            value = cn_to_int(match.group(0))
            if value is not None:
                found.append(Decimal(value))
    if not found:
        found = [Decimal(_WORDS[m.group(1)]) for m in _WORD_NUMBER.finditer(cleaned)]
    distinct = set(found)
    return distinct.pop() if len(distinct) == 1 else None


def check_number(text: str, low: float | None = None, high: float | None = None) -> Checked:
    low_bound = Decimal(str(low)) if low is not None else Decimal(0)
    high_bound = Decimal(str(high)) if high is not None else Decimal(_DEFAULT_MAX)
    value = parse_number(text)
    if value is None or value != value.to_integral_value() or not low_bound <= value <= high_bound:
        return Checked.invalid("lead_invalid_number", min=_show(low_bound), max=_show(high_bound))
    return Checked.valid(int(value))


def _show(value: Decimal) -> str:
    return f"{int(value):,}" if value == value.to_integral_value() else str(value)


# ── free text ─────────────────────────────────────────────────────────────
def check_text(text: str) -> Checked:
    value = " ".join(text.split())
    if not value or len(value) > MAX_TEXT:
        return Checked.invalid("lead_invalid_text", max=MAX_TEXT)
    return Checked.valid(value)
