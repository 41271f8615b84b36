"""Unanswered questions grouped by similarity, and draft FAQ entries made from a group.

Grouping: TF-IDF over character n-grams (2-4 within words for English; 1-2 for Chinese,
which has no spaces), cosine similarity, and a greedy pass in the order the questions came
in: a question joins the most similar group when the similarity to the group's centroid
reaches the threshold, else starts a new group. Languages are grouped separately. The
IDF is fitted on the questions together with the FAQ's own questions (``background``), so
words every question shares ("do you", "吗") weigh little even when there are only a few
unanswered questions. Measured on the demo FAQ: paraphrases score 0.3-0.9, unrelated
questions under 0.2, hence the default threshold 0.3.

A draft FAQ entry is the group's most central question with the others as alternatives,
in ``config/catalog/faq.yaml`` form, with the answer left for a person to write.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import yaml
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reports.kpi_data import Scope
from bot.reports.stats import Window
from crm_store.models import Conversation, UnansweredQuestion

THRESHOLD = 0.3
_BLOCK = 256  # questions whose dot products with the earlier ones are computed at once
_NGRAMS = {"zh": (1, 2)}
_DEFAULT_NGRAMS = (2, 4)


@dataclass(frozen=True)
class Question:
    id: int
    text: str
    language: str
    best_guess: str | None
    conversation_id: int
    at: datetime


@dataclass(frozen=True)
class QuestionGroup:
    key: str  # "<language>-<id of the first question>": stable while that question exists
    language: str
    count: int
    text: str  # the most central question
    examples: tuple[str, ...]  # distinct wordings, most frequent first
    question_ids: tuple[int, ...]
    conversation_ids: tuple[int, ...]
    best_guess: str | None
    first_at: datetime
    last_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "language": self.language,
            "count": self.count,
            "text": self.text,
            "examples": list(self.examples),
            "best_guess": self.best_guess,
            "first_at": self.first_at.isoformat(),
            "last_at": self.last_at.isoformat(),
            "conversation_ids": list(self.conversation_ids),
        }


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _vectors(texts: Sequence[str], language: str, background: Sequence[str]) -> csr_matrix:
    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=_NGRAMS.get(language, _DEFAULT_NGRAMS),
        lowercase=True,
        sublinear_tf=True,
    )
    vectorizer.fit(list(texts) + list(background))
    # Sparse, rows L2-normalised: dense, 2,000 varied questions made a 440 MB matrix.
    return csr_matrix(vectorizer.transform(texts))


def _greedy(vectors: csr_matrix, threshold: float) -> list[list[int]]:
    """Each question, in order, joins the group whose centroid it is most similar to (the
    last such group on a tie) if that reaches ``threshold``, else starts a group.

    The similarity to a group's sum is the sum of the question's dot products with the
    members, and the sum's norm is kept up to date as members join: so only question-by-
    question dot products are needed, a block of rows at a time.
    """
    count = vectors.shape[0]
    labels = np.zeros(count, dtype=np.intp)  # group of each question placed so far
    squared: list[float] = []  # |sum of the group's vectors|^2
    groups: list[list[int]] = []
    for start in range(0, count, _BLOCK):
        stop = min(start + _BLOCK, count)
        dots = (vectors[start:stop] @ vectors[:stop].T).toarray()
        for i in range(start, stop):
            row = dots[i - start]
            best = -1
            if groups:
                to_group = np.bincount(labels[:i], weights=row[:i], minlength=len(groups))
                norms = np.sqrt(np.asarray(squared))
                similarity = np.divide(
                    to_group, norms, out=np.zeros_like(to_group), where=norms > 0
                )
                close = np.flatnonzero(similarity >= threshold)
                if close.size:
                    top = similarity[close].max()
                    best = int(close[similarity[close] == top][-1])
            if best < 0:
                labels[i] = len(groups)
                groups.append([i])
                squared.append(float(row[i]))
            else:
                labels[i] = best
                groups[best].append(i)
                squared[best] += 2.0 * float(to_group[best]) + float(row[i])
    return groups


def group_questions(
    questions: Iterable[Question],
    *,
    threshold: float = THRESHOLD,
    background: Mapping[str, Sequence[str]] | None = None,
) -> list[QuestionGroup]:
    """Groups of similar questions, largest first (then most recent)."""
    by_language: dict[str, list[Question]] = {}
    for q in sorted(questions, key=lambda q: q.id):
        if _clean(q.text):
            by_language.setdefault(q.language or "en", []).append(q)
    result: list[QuestionGroup] = []
    for language, items in sorted(by_language.items()):
        texts = [_clean(q.text) for q in items]
        vectors = _vectors(texts, language, (background or {}).get(language, ()))
        for members in _greedy(vectors, threshold):
            result.append(_group(language, [items[i] for i in members], vectors[members]))
    return sorted(result, key=lambda g: (-g.count, -g.last_at.timestamp(), g.key))


def _group(language: str, items: list[Question], vectors: csr_matrix) -> QuestionGroup:
    centre = np.asarray(vectors.sum(axis=0)).ravel()
    wordings = Counter(_clean(q.text) for q in items)
    similarity = vectors @ centre
    # The most central wording; on a tie the most frequent, then the first asked.
    best = max(
        range(len(items)),
        key=lambda i: (round(float(similarity[i]), 6), wordings[_clean(items[i].text)], -i),
    )
    central = items[best]
    guesses = Counter(q.best_guess for q in items if q.best_guess)
    return QuestionGroup(
        key=f"{language}-{items[0].id}",
        language=language,
        count=len(items),
        text=_clean(central.text),
        examples=tuple(text for text, _ in wordings.most_common()),
        question_ids=tuple(q.id for q in items),
        conversation_ids=tuple(sorted({q.conversation_id for q in items})),
        best_guess=guesses.most_common(1)[0][0] if guesses else None,
        first_at=min(q.at for q in items),
        last_at=max(q.at for q in items),
    )


async def load_questions(
    session: AsyncSession, window: Window, *, rep_id: int | None = None, limit: int = 5000
) -> list[Question]:
    """Unanswered questions asked in the window (a rep: only in their conversations)."""
    stmt = select(
        UnansweredQuestion.id,
        UnansweredQuestion.text,
        UnansweredQuestion.language,
        UnansweredQuestion.best_guess,
        UnansweredQuestion.conversation_id,
        UnansweredQuestion.created_at,
    ).order_by(UnansweredQuestion.id.desc())
    stmt = window.apply(stmt, UnansweredQuestion.created_at)
    if rep_id is not None:
        stmt = stmt.join(Conversation, Conversation.id == UnansweredQuestion.conversation_id)
        stmt = stmt.where(Scope(rep_id=rep_id).conversations())
    rows = (await session.execute(stmt.limit(limit))).all()
    return [Question(*row) for row in reversed(rows)]


def faq_background(content: Any) -> dict[str, list[str]]:
    """The FAQ's questions and alternatives per language (the IDF background)."""
    texts: dict[str, list[str]] = {"en": [], "zh": []}
    for entry in content.faq.entries:
        for lang in texts:
            texts[lang].append(entry.question.get(lang))
            texts[lang].extend(entry.alternatives.get(lang))
    return texts


def _slug(group: QuestionGroup) -> str:
    words = re.findall(r"[a-z0-9]+", group.text.lower()) if group.language != "zh" else []
    slug = "-".join(words[:6])[:36].strip("-")
    return f"draft-{slug}" if slug else f"draft-{group.key}"


def draft_faq_entry(group: QuestionGroup, content: Any = None) -> dict[str, Any]:
    """A ``faq.yaml`` entry for the group; the answer (and the translation) are to write."""
    topic, products = "support", []
    known = content.faq.entries if content is not None else ()
    guess = next((e for e in known if e.id == group.best_guess), None)
    if guess is not None:
        topic, products = guess.topic, list(guess.products)
    other = "en" if group.language == "zh" else "zh"
    alternatives = {group.language: [t for t in group.examples if t != group.text][:4], other: []}
    return {
        "id": _slug(group)[:48],
        "topic": topic,
        "question": {
            lang: group.text if lang == group.language else "TODO: translate"
            for lang in ("en", "zh")
        },
        "alternatives": {"en": alternatives["en"], "zh": alternatives["zh"]},
        "answer": {"en": "TODO: write the answer", "zh": "TODO: 填写答案"},
        "products": products,
    }


def draft_faq_yaml(groups: Sequence[QuestionGroup], content: Any = None) -> str:
    """A snippet to paste under ``entries:`` in config/catalog/faq.yaml (with a header)."""
    header = [
        "# Draft FAQ entries from unanswered questions: write the answers, check the",
        "# translations and the topic, then paste under `entries:` in config/catalog/faq.yaml.",
    ]
    for g in groups:
        header.append(f"#   {g.key}: asked {g.count} time(s), last {g.last_at:%Y-%m-%d}")
    entries, seen = [], set()
    for g in groups:
        entry = draft_faq_entry(g, content)
        if entry["id"] in seen:  # two groups starting with the same words
            entry["id"] = f"draft-{g.key}"
        seen.add(entry["id"])
        entries.append(entry)
    body = yaml.safe_dump({"entries": entries}, allow_unicode=True, sort_keys=False, width=100)
    return "\n".join(header) + "\n" + body
