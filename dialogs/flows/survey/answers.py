"""Typed survey answers: "5", "4/5", "I'd say 8", "five", "五", "非常满意", "１０".

The words come from ``config/survey.yaml`` (``answer_words`` and ``csat_labels``, every
language at once: a Chinese conversation may still answer "five"). A reply is read as the one
score it names; two different scores ("between 7 and 8"), a negated label ("not satisfied",
"不太满意") or a fraction of a point are unclear, and the bot asks again rather than guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from dialogs.nlu.numbers import cn_to_int

SCALES: dict[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10)}

# Not in the business's word list because no answer can use them, but recognised so that
# "eleven" is reported as out of range rather than as something the bot did not understand.
_EXTRA_EN = {
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "hundred": 100,
}
_CN_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百]+")
# A sign only when it stands alone before the number ("-1", not "1-5").
# Not glued to Latin letters: "4K" and "v2" are names, not scores; "5分" is a score.
_NUMBER = re.compile(r"(?<![a-z0-9.])-?\d+(?:\.\d+)?(?![a-z0-9])")
# "4/5", "8 out of 10": keep the score, drop the scale.
_FRACTION = re.compile(r"(\d+)\s*(?:/|out of|of)\s*\d+")
_EN_NEGATION = re.compile(r"(?:\bnot|\bnever|\bhardly|n't)\s+(?:\w+\s+){0,2}$")
_ZH_NEGATION = ("不", "没", "未")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


class AnswerStatus(Enum):
    OK = "ok"
    OUT_OF_RANGE = "out_of_range"  # one clear number the scale does not have ("7" for CSAT)
    UNCLEAR = "unclear"  # numbers that disagree, a negated label, "4.5"
    NONE = "none"  # nothing that looks like an answer at all


@dataclass(frozen=True, slots=True)
class ScoreAnswer:
    status: AnswerStatus
    value: int | None = None

    @property
    def ok(self) -> bool:
        return self.status is AnswerStatus.OK


@dataclass(frozen=True, slots=True)
class _Word:
    value: int
    sentiment: bool  # a satisfaction label, meaningless as a 0-10 recommendation score


@dataclass(frozen=True, slots=True)
class AnswerWords:
    """Typed words and their scores, from the survey configuration."""

    words: Mapping[str, _Word]

    @classmethod
    def from_config(
        cls,
        answer_words: Mapping[str, Mapping[str, int]],
        csat_labels: Mapping[str, Sequence[str]],
    ) -> AnswerWords:
        labels = {
            _norm(label): i + 1
            for per_lang in csat_labels.values()
            for i, label in enumerate(per_lang)
        }
        words: dict[str, _Word] = {w: _Word(v, sentiment=False) for w, v in _EXTRA_EN.items()}
        for per_lang in answer_words.values():
            for word, value in per_lang.items():
                key = _norm(word)
                words[key] = _Word(value, sentiment=key in labels)
        for label, value in labels.items():
            words.setdefault(label, _Word(value, sentiment=True))
        return cls(words)


def parse_score(
    text: str,
    kind: str,
    words: AnswerWords,
    *,
    mask: Iterable[tuple[int, int]] = (),
) -> ScoreAnswer:
    """Read a typed CSAT or NPS score. ``mask``: character spans to ignore (e.g. "Cam 4K")."""
    low, high = SCALES[kind]
    chars = list(text)
    for start, end in mask:
        start, end = max(start, 0), min(end, len(chars))
        chars[start:end] = " " * max(end - start, 0)
    norm = _FRACTION.sub(r"\1", _norm("".join(chars)))
    values: list[float] = []
    for start, end, value in _scan(norm, words.words):
        word = words.words.get(norm[start:end])
        # "very satisfied" is five stars, not 5 out of 10 as a recommendation.
        if word and word.sentiment and (kind != "csat" or _negated(norm[:start])):
            return ScoreAnswer(AnswerStatus.UNCLEAR)
        values.append(value)
    if not values:
        return ScoreAnswer(AnswerStatus.NONE)
    if len(set(values)) > 1 or values[0] != int(values[0]):
        return ScoreAnswer(AnswerStatus.UNCLEAR)
    value = int(values[0])
    if not low <= value <= high:
        return ScoreAnswer(AnswerStatus.OUT_OF_RANGE, value)
    return ScoreAnswer(AnswerStatus.OK, value)


def is_skip(text: str, skip_words: Iterable[str]) -> bool:
    """Whether a typed reply is just the Skip button's word ("skip", "跳过", "Skip!")."""
    typed = _PUNCT.sub("", _norm(text))
    return bool(typed) and typed in {_PUNCT.sub("", _norm(w)) for w in skip_words}


def _scan(text: str, vocabulary: Mapping[str, _Word]) -> list[tuple[int, int, float]]:
    """Non-overlapping (start, end, value) matches, the longest at each position.

    Longest first, so "非常不满意" is not read as "满意" and "十一" is 11 rather than 10 and 1,
    while a configured "一般" (3) still beats the numeral "一" (1).
    """
    found: list[tuple[int, int, float]] = []
    numbers = {m.start(): m for m in _NUMBER.finditer(text)}
    i = 0
    while i < len(text):
        best: tuple[int, float] | None = None  # (end, value)
        for word, entry in vocabulary.items():
            if text.startswith(word, i) and _bounded(text, i, i + len(word)):
                if best is None or i + len(word) > best[0]:
                    best = (i + len(word), entry.value)
        numeral = _CN_NUMERAL.match(text, i)
        if numeral and (best is None or numeral.end() > best[0]):
            parsed = cn_to_int(numeral.group())
            if parsed is not None:
                best = (numeral.end(), parsed)
        if best is None and i in numbers:
            best = (numbers[i].end(), float(numbers[i].group()))
        if best is None:
            i += 1
            continue
        found.append((i, best[0], best[1]))
        i = best[0]
    return found


def _bounded(text: str, start: int, end: int) -> bool:
    """Latin words need word boundaries ("one" is not in "someone"); Chinese has none."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    latin = text[start].isascii() and text[start].isalpha()
    return not latin or (not _is_latin(before) and not _is_latin(after))


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _negated(before: str) -> bool:
    if _EN_NEGATION.search(before):
        return True
    # "不太满意", "不是很满意", "没有很满意": a negation just before the label.
    return any(neg in before[-4:] for neg in _ZH_NEGATION)


def _norm(text: str) -> str:
    # NFKC turns full-width "５" and "／" into "5" and "/".
    return unicodedata.normalize("NFKC", text).lower().strip()
