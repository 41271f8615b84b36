"""The knowledge base behind product Q&A: BM25 over the FAQ and the catalog, per language.

One document per FAQ entry (question and alternatives, plus the products it names) and per
product (name, aliases, category, summary, features), indexed with ``bm25s`` over the terms of
``dialogs.knowledge.text`` (spaCy tokens; Chinese as character unigrams and bigrams). Answers
have an index of their own whose normalised score is mixed in at ``ANSWER_WEIGHT``, and the mix
only counts where it beats the question alone: an exact question still scores its full 1.0
and a weak one is not pushed over ``CONFIDENT`` by words its answer mentions. They mention
many things in passing ("UPS or DHL in the US and Europe"), so they must count less than the
question, but a business that writes one question per entry has little else to match (#17).

Product names and aliases of both languages are found with a spaCy ``PhraseMatcher``
(``attr="LOWER"``), because customers write English product names in Chinese messages. Each
product found adds a ``@<id>`` term to the query, which every document about that product
carries.

Scores are normalised per query, so one threshold works for short and long questions: the raw
BM25 score is divided by the sum of the IDFs of the query's distinct unigram terms (words the
index has never seen count with the highest IDF). A document that contains every query word
once, at average length, scores about 1.0, one matching half of the query's information about
0.5; bigram matches may push a score above 1. A query of stop words only ("how much is it?")
has nothing to normalise by and finds nothing, which is what follow-up questions need.

``CONFIDENT`` (0.5) and the BM25 parameters were chosen on the demo content with 77 hand-written
paraphrases (45 English, 32 Chinese) and 22 out-of-scope messages: the right entry comes first
for 76 paraphrases, 66 of them at 0.5 or more, while no out-of-scope message reaches 0.45
("tell me a joke" comes closest, through "tell me about your company").

Building both indexes takes about 50 ms for the demo (60 documents per language).
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import bm25s
import numpy as np
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from dialogs.core.content import LANGS, Catalog, Faq, FaqEntry, Product
from dialogs.knowledge.text import VOCAB, terms, words

log = logging.getLogger(__name__)
# bm25s sets its own logger to DEBUG at import, which would print a line per index build
# whatever the application's log level is.
logging.getLogger("bm25s").setLevel(logging.WARNING)

CONFIDENT = 0.5
# When the NLU already named the topic (ask_shipping, ...), the search is limited to that
# topic and the best entry in it is good enough at a lower score.
TOPIC_CONFIDENT = 0.2
# Bigrams refine, unigrams decide: at full weight, "pay in" (x3 in "which currencies can I pay
# in") outvoted "instalments". k1 below the usual 1.2-1.5 because FAQ alternatives repeat a
# topic's words, which should not count much more than saying them once.
BIGRAM_WEIGHT = 0.5
K1, B = 0.9, 0.75
# Answers count this much relative to questions (see the module docstring); chosen on a seeded
# half of covid_faq_en's queries (BENCHMARKS.md, "Small data"), never on the scored half.
ANSWER_WEIGHT = 0.3
_NO_ANSWER = "@no-answer"  # products have no answer document; bm25s needs a term per document
PRODUCT_TOPIC = "product"  # product documents answer to the FAQ's "product" topic


@dataclass(frozen=True, slots=True)
class Hit:
    kind: Literal["faq", "product"]
    id: str
    score: float  # normalised (see the module docstring)
    title: str  # the FAQ question or the product name, in the requested language

    @property
    def confident(self) -> bool:
        return self.score >= CONFIDENT


@dataclass(frozen=True, slots=True)
class Mention:
    product_id: str
    text: str
    start: int  # character offsets into the searched text
    end: int


@dataclass(frozen=True, slots=True)
class _Doc:
    kind: Literal["faq", "product"]
    id: str
    topic: str
    products: frozenset[str]


class _Index:
    """One language's BM25 index and the document frequencies needed to normalise scores."""

    def __init__(self, docs: list[_Doc], corpus: list[list[str]]) -> None:
        self.docs = docs
        self.bm25 = bm25s.BM25(k1=K1, b=B)
        self.bm25.index(corpus, show_progress=False)
        self.vocab: dict[str, int] = self.bm25.vocab_dict
        n = len(corpus)
        df = Counter(term for doc in corpus for term in set(doc))
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)

    def scores(self, query: list[str], mask: np.ndarray | None) -> np.ndarray:
        known = [t for t in query if t in self.vocab]
        if not known:
            return np.zeros(len(self.docs))
        return np.asarray(self.bm25.get_scores(known, weight_mask=mask))

    def weighted(self, unigrams: list[str], bigrams: list[str], mask: np.ndarray) -> np.ndarray:
        return self.scores(unigrams, mask) + BIGRAM_WEIGHT * self.scores(bigrams, mask)

    def weight(self, query: Iterable[str]) -> float:
        return sum(self.idf.get(t, self.max_idf) for t in query)


class KnowledgeBase:
    def __init__(self, catalog: Catalog, faq: Faq) -> None:
        started = time.perf_counter()
        self.catalog = catalog
        self.faq = faq
        self._faq = {entry.id: entry for entry in faq.entries}
        self._products = {product.id: product for product in catalog.products}
        self._matcher = PhraseMatcher(VOCAB, attr="LOWER")
        for product in catalog.products:
            names = {product.name.en, product.name.zh, *product.aliases.en, *product.aliases.zh}
            patterns = [_word_doc(name) for name in sorted(names) if name.strip()]
            self._matcher.add(product.id, [p for p in patterns if len(p)])
        self._indexes = {lang: self._build(lang) for lang in LANGS}
        self._answers = {lang: self._build_answers(lang) for lang in LANGS}
        self.build_seconds = time.perf_counter() - started
        log.info(
            "knowledge base: %d FAQ entries, %d products indexed in %.0f ms",
            len(self._faq),
            len(self._products),
            self.build_seconds * 1000,
        )

    # ── look-ups ──────────────────────────────────────────────────────────
    def faq_entry(self, entry_id: str) -> FaqEntry | None:
        return self._faq.get(entry_id)

    def product(self, product_id: str) -> Product | None:
        return self._products.get(product_id)

    def mentions(self, text: str) -> list[Mention]:
        """Product names and aliases in ``text`` (either language), longest match first."""
        ws = words(text)
        if not ws:
            return []
        doc = Doc(VOCAB, words=[w.text for w in ws])
        spans = filter_spans([Span(doc, s, e, label=m) for m, s, e in self._matcher(doc)])
        found = []
        for span in sorted(spans, key=lambda sp: sp.start):
            start, end = ws[span.start].start, ws[span.end - 1].end
            found.append(Mention(span.label_, text[start:end], start, end))
        return found

    def products_in(self, text: str) -> list[Product]:
        """The products ``text`` names, in order of first appearance."""
        seen: dict[str, Product] = {}
        for mention in self.mentions(text):
            seen.setdefault(mention.product_id, self._products[mention.product_id])
        return list(seen.values())

    # ── retrieval ─────────────────────────────────────────────────────────
    def search(
        self,
        text: str,
        lang: str,
        k: int = 3,
        topic: str | None = None,
        *,
        kind: Literal["faq", "product"] | None = None,
        about: Iterable[str] | None = None,
    ) -> list[Hit]:
        """The best ``k`` documents for ``text``, best first; only documents scoring above 0.

        ``topic`` keeps FAQ entries of that topic (products count as topic "product"),
        ``kind`` one kind of document, ``about`` documents about one of these product ids.
        """
        lang = lang if lang in self._indexes else "en"
        index, answers = self._indexes[lang], self._answers[lang]
        unigrams, bigrams = terms(text)
        tags = [f"@{m.product_id}" for m in self.mentions(text)]
        informative = list(dict.fromkeys(unigrams + tags))
        query = list(dict.fromkeys(informative + bigrams))
        weight = index.weight(informative)
        if not query or weight <= 0:
            return []
        wanted = set(about) if about is not None else None
        mask = np.array(
            [
                (topic is None or d.topic == topic)
                and (kind is None or d.kind == kind)
                and (wanted is None or bool(d.products & wanted))
                for d in index.docs
            ],
            dtype=np.float32,
        )
        pairs = [b for b in dict.fromkeys(bigrams)]
        scores = index.weighted(informative, pairs, mask)
        if ANSWER_WEIGHT > 0:
            answer_weight = answers.weight(informative)
            if answer_weight > 0:
                extra = answers.weighted(informative, pairs, mask) / answer_weight
                mixed = (1 - ANSWER_WEIGHT) * scores + ANSWER_WEIGHT * weight * extra
                scores = np.maximum(scores, mixed)
        order = np.argsort(-scores, kind="stable")[:k]
        hits = []
        for i in order:
            if scores[i] > 0:
                doc = index.docs[i]
                hits.append(
                    Hit(doc.kind, doc.id, float(scores[i]) / weight, self._title(doc, lang))
                )
        return hits

    # ── building ──────────────────────────────────────────────────────────
    def _build(self, lang: str) -> _Index:
        docs: list[_Doc] = []
        corpus: list[list[str]] = []
        for entry in self.faq.entries:
            text = " \n ".join([entry.question.get(lang), *entry.alternatives.get(lang)])
            docs.append(_Doc("faq", entry.id, entry.topic, frozenset(entry.products)))
            corpus.append(_doc_terms(text, entry.products))
        for product in self.catalog.products:
            parts = [
                product.name.get(lang),
                *product.aliases.get(lang),
                product.category.get(lang),
                product.summary.get(lang),
                *product.features.get(lang),
            ]
            docs.append(_Doc("product", product.id, PRODUCT_TOPIC, frozenset({product.id})))
            corpus.append(_doc_terms(" \n ".join(parts), (product.id,)))
        return _Index(docs, corpus)

    def _build_answers(self, lang: str) -> _Index:
        # Same documents in the same order as _build, so one mask serves both indexes.
        docs = self._indexes[lang].docs
        corpus = []
        for doc in docs:
            entry = self._faq.get(doc.id) if doc.kind == "faq" else None
            corpus.append(_doc_terms(entry.answer.get(lang), ()) if entry else [])
        return _Index(docs, [c or [_NO_ANSWER] for c in corpus])

    def _title(self, doc: _Doc, lang: str) -> str:
        if doc.kind == "faq":
            return self._faq[doc.id].question.get(lang)
        return self._products[doc.id].name.get(lang)


def _doc_terms(text: str, products: Iterable[str]) -> list[str]:
    # Lines are indexed separately so bigrams never join the end of one alternative to the
    # start of the next.
    out: list[str] = []
    for line in text.split(" \n "):
        unigrams, bigrams = terms(line)
        out += unigrams + bigrams
    return out + [f"@{p}" for p in products]


def _word_doc(text: str) -> Doc:
    return Doc(VOCAB, words=[w.text for w in words(text)])
