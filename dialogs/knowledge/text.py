"""Words and BM25 index terms for the knowledge base, the same for English and Chinese text.

Tokens come from spaCy's blank tokenizers. ``spacy.blank("zh")`` segments per character and
also splits Latin words into letters ("Cam4K" -> C a m 4 K), so adjacent ASCII letters and
digits are glued back into words: customers mix English product names into Chinese, and the
same word must give the same term in either language.

Index terms are unigrams (light stop-word removal, a light English suffix stripper so that
"ships", "shipping" and "shipped" meet) plus bigrams of neighbouring tokens. Chinese bigrams
stand in for a word segmenter; English bigrams keep the question shape that stop-word removal
loses ("ship to" is about destinations, "how long" about time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import spacy

_EN = spacy.blank("en")
_ZH = spacy.blank("zh")
VOCAB = _EN.vocab  # shared string store for the product matcher's documents
_DOUBLED = re.compile(r"([b-df-hj-np-rt-z])\1")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Deliberately light: question words and auxiliaries only. Bigrams keep them ("how much").
EN_STOP = frozenset(
    """a an the and or but if so of to in on at by for with from as into about than
    i me my mine we our ours us you your yours it its it's they them their this that these
    those there here is are was were be been being am do does did doing have has had having
    will would shall should can could may might must
    please hi hello hey ok okay just also any some
    what what's which who whom how when where why much many""".split()
)
_CONTRACTIONS = {"n't": "not", "'s": "", "'re": "", "'ve": "", "'m": "", "'ll": "", "'d": ""}
# Single characters that carry no topic (particles, pronouns, "can", "have").
ZH_STOP = frozenset(
    "的了吗呢吧啊嘛么呀哦我你您他她它们是在和与及或就都也还很请这那个有可以能要会吧"
)


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # lowercased; a Latin word, a number, or one Chinese character
    start: int  # character offsets into the original text
    end: int

    @property
    def cjk(self) -> bool:
        return bool(_CJK.match(self.text))


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def words(text: str) -> list[Word]:
    """Lowercased words without punctuation, with their character offsets."""
    chinese = has_cjk(text)
    doc = (_ZH if chinese else _EN)(text)
    out: list[Word] = []
    glue = False  # the previous token ended in an ASCII letter/digit with no space after it
    for token in doc:
        lower = _CONTRACTIONS.get(token.lower_, token.lower_)
        if not lower or not any(ch.isalnum() for ch in lower):
            glue = False
            continue
        start, end = token.idx, token.idx + len(token.text)
        if glue and _ascii_alnum(lower[0]) and out and out[-1].end == start:
            last = out[-1]
            out[-1] = Word(last.text + lower, last.start, end)
        else:
            out.append(Word(lower, start, end))
        # Only the Chinese tokenizer splits Latin words into letters; English "do|n't" stays two.
        glue = chinese and _ascii_alnum(lower[-1]) and not token.whitespace_
    return out


def stem(word: str) -> str:
    """A tiny English normaliser (plural, -ing, -ed, doubled consonants) for index and query."""
    if not word.isascii() or not word.isalpha() or len(word) <= 3:
        return word
    # British and American spellings meet ("instalment"/"installment", "cancelled"/"canceled"),
    # and so do "shipping" and "ship".
    word = _DOUBLED.sub(r"\1", word)
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def normal(word: Word) -> str:
    return word.text if word.cjk else stem(word.text)


def is_stop(word: Word) -> bool:
    return word.text in ZH_STOP if word.cjk else word.text in EN_STOP


def terms(text: str) -> tuple[list[str], list[str]]:
    """(unigram terms, bigram terms) of ``text``; bigrams only join neighbouring tokens.

    English bigrams of two stop words ("can i", "do you") are left out: every question has
    them, and they made "can I pay in instalments" look like "can I pay in euros".
    """
    ws = words(text)
    unigrams = [normal(w) for w in ws if not is_stop(w)]
    bigrams: list[str] = []
    for a, b in zip(ws, ws[1:], strict=False):
        if a.cjk and b.cjk:
            if a.end == b.start:  # no punctuation or space between the characters
                bigrams.append(a.text + b.text)
        elif not a.cjk and not b.cjk and not (is_stop(a) and is_stop(b)):
            bigrams.append(f"{normal(a)} {normal(b)}")
    return unigrams, bigrams


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


# Words that only say *what* is asked about a product, not *which* product or topic: a
# question made of nothing else ("and how much is it?", "价格呢？") refers back to the product
# of the previous answer. Stemmed like index terms; Chinese per character.
_GENERIC_EN = frozenset(
    stem(w)
    for w in """and also then now price prices pricing cost costs expensive cheap cheaper
    feature features spec specs specification specifications detail details tell more info
    information about know see show me like want need let say available availability stock
    buy order compare comparison difference different differ versus vs better between other
    else another one ones product thing""".split()
)
_GENERIC_ZH = frozenset(
    "那多少钱价格贵便宜售报费用功能特点参数配置规格介绍一下详细"
    "货库存买对比较区别不同哪好更跟呢怎样如何什么想了解说讲再还款"
)


def is_follow_up(text: str) -> bool:
    """True when ``text`` names nothing beyond the kind of question (price, features, ...)."""
    for word in words(text):
        if is_stop(word):
            continue
        generic = _GENERIC_ZH if word.cjk else _GENERIC_EN
        if normal(word) not in generic:
            return False
    return True


_BACK_EN = frozenset("it its it's this that them they same".split())
_BACK_ZH = ("它", "这款", "这个", "那款", "那个", "这台", "那台", "刚才")


def refers_back(text: str) -> bool:
    """True when ``text`` points at something said before ("compare it with the Speak")."""
    if any(marker in text for marker in _BACK_ZH):
        return True
    return any(w.text in _BACK_EN for w in words(text) if not w.cjk)
