"""Sparse n-gram features of a spaCy ``Doc``: word 1-2 grams and character 2-5 grams.

Character n-grams carry most of the signal for Chinese (where spaCy's default segmenter yields
one token per character) and make English robust to typos and inflection, so no lemmatiser or
word segmenter is needed. Features are computed from the lowercased token texts, which makes
classification case-insensitive in both languages.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)


def _is_ascii_alnum(text: str) -> bool:
    return text.isascii() and text.isalnum()


def words_and_chunks(doc: Doc) -> tuple[list[str], list[str]]:
    """Lowercased words (punctuation dropped) and the unbroken runs of text they form.

    spaCy's Chinese segmenter splits Latin words into letters ("iPhone" -> i P h o n e), so
    adjacent single ASCII letters/digits are glued back into one word.
    """
    words: list[str] = []
    chunks: list[str] = []
    current: list[str] = []
    glue = False  # the previous kept token ended in an ASCII letter/digit with no space after
    for token in doc:
        if token.is_space or token.is_punct:
            if current:
                chunks.append("".join(current))
                current = []
            glue = False
            continue
        lower = token.lower_
        if glue and len(lower) == 1 and _is_ascii_alnum(lower):
            words[-1] += lower
        else:
            words.append(lower)
        current.append(lower)
        glue = _is_ascii_alnum(lower[-1]) and not token.whitespace_
        if token.whitespace_:
            chunks.append("".join(current))
            current = []
    if current:
        chunks.append("".join(current))
    return words, chunks


def doc_features(doc: Doc, spec: FeatureSpec) -> tuple[list[str], list[str]]:
    """(word n-grams, char n-grams) of ``doc``; duplicates are kept, they are counts."""
    words, chunks = words_and_chunks(doc)
    word_feats: list[str] = []
    lo, hi = spec.word_ngrams
    for n in range(lo, hi + 1):
        # Tokens never contain a space, so joining with one cannot collide across orders.
        word_feats.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    char_feats: list[str] = []
    lo, hi = spec.char_ngrams
    for chunk in chunks:
        padded = f" {chunk} "
        size = len(padded)
        for n in range(lo, hi + 1):
            char_feats.extend(padded[i : i + n] for i in range(size - n + 1))
    return word_feats, char_feats
