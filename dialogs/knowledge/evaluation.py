"""FAQ retrieval measured on a business's own paraphrases: `salesbot faq evaluate`.

The knowledge base is built exactly as the bot builds it (``KnowledgeBase``), from a CSV
(``id,question,answer[,alternatives]``, alternatives ``|``-separated, other columns ignored)
or the bot's own ``catalog/faq.yaml``, and every query goes through the same ``search`` and the
same confidence gate (``CONFIDENT``) the Q&A flow uses for a direct answer.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dialogs.core.config import load_model
from dialogs.core.content import Catalog, Faq, FaqEntry, Localized, LocalizedList
from dialogs.knowledge.index import CONFIDENT, KnowledgeBase

# The keys `salesbot faq evaluate --json` prints, in this order (fractions 0..1).
JSON_KEYS = ("top1", "top3", "mrr", "answered", "answered_correct", "latency_ms_p50")
RANKED = 10  # reciprocal rank counts a hit within the first RANKED results, else 0
_BAD_ID = re.compile(r"[^a-z0-9-]+")


class FaqDataError(ValueError):
    """An FAQ or query file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    faq_id: str


@dataclass(frozen=True, slots=True)
class FaqReport:
    top1: float
    top3: float
    mrr: float
    answered: float  # share of queries answered directly (best hit at or above CONFIDENT)
    answered_correct: float  # share of those direct answers that were the right entry
    latency_ms_p50: float  # one KnowledgeBase.search call
    n_entries: int
    n_queries: int
    build_seconds: float

    def summary(self) -> dict[str, Any]:
        values = asdict(self)
        return {key: values[key] for key in JSON_KEYS}


def entry_id(raw: str) -> str:
    """A CSV id as the FAQ model accepts it (lowercase letters, digits, dashes)."""
    return _BAD_ID.sub("-", raw.strip().lower()).strip("-")[:48] or "entry"


def load_faq(path: Path, lang: str = "en") -> Faq:
    """The bot's ``faq.yaml``, or a CSV whose texts serve both languages' indexes."""
    path = Path(path)
    if not path.is_file():
        raise FaqDataError(f"{path}: no such file")
    if path.suffix.lower() in (".yml", ".yaml"):
        return load_model(Faq, path)
    entries = []
    for line_no, row in enumerate(_rows(path, ("id", "question", "answer")), start=2):
        if not row["id"].strip() or not row["question"].strip():
            raise FaqDataError(f"{path}: line {line_no} needs an id and a question")
        alternatives = tuple(a.strip() for a in (row.get("alternatives") or "").split("|"))
        text = Localized(en=row["question"].strip(), zh=row["question"].strip())
        answer = (row["answer"] or "").strip()
        alts = tuple(a for a in alternatives if a)
        entries.append(
            FaqEntry(
                id=entry_id(row["id"]),
                topic=(row.get("topic") or "faq").strip() or "faq",
                question=text,
                alternatives=LocalizedList(en=alts, zh=alts),
                answer=Localized(en=answer, zh=answer),
            )
        )
    if not entries:
        raise FaqDataError(f"{path}: no FAQ entries after the header")
    return Faq(entries=tuple(entries))


def load_queries(path: Path) -> list[Query]:
    return [
        Query(row["query"].strip(), entry_id(row["faq_id"]))
        for row in _rows(Path(path), ("query", "faq_id"))
        if row["query"].strip()
    ]


def _rows(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise FaqDataError(f"{path}: CSV header lacks {', '.join(missing)}")
            return list(reader)
    except OSError as exc:
        raise FaqDataError(f"{path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FaqDataError(f"{path}: unreadable CSV ({exc})") from None


def knowledge_base(faq: Faq) -> KnowledgeBase:
    # FAQ-only: no products. The catalog model insists on one, which a benchmark has no use for.
    return KnowledgeBase(Catalog.model_construct(currency="USD", products=()), faq)


def evaluate_faq(
    faq: Faq, queries: Sequence[Query], lang: str = "en", kb: KnowledgeBase | None = None
) -> FaqReport:
    if not queries:
        raise FaqDataError("no queries to evaluate")
    started = time.perf_counter()
    kb = kb or knowledge_base(faq)
    build = time.perf_counter() - started
    known = {e.id for e in faq.entries}
    unknown = sorted({q.faq_id for q in queries} - known)
    if unknown:
        raise FaqDataError(f"queries name FAQ ids that are not in the FAQ: {unknown[:5]}")
    ranks, answered, right, timings = [], 0, 0, []
    for query in queries:
        t0 = time.perf_counter()
        hits = kb.search(query.text, lang, RANKED, kind="faq")
        timings.append((time.perf_counter() - t0) * 1000)
        ids = [h.id for h in hits]
        ranks.append(ids.index(query.faq_id) + 1 if query.faq_id in ids else 0)
        if hits and hits[0].score >= CONFIDENT:
            answered += 1
            right += hits[0].id == query.faq_id
    r = np.array(ranks)
    n = len(queries)
    return FaqReport(
        top1=round(float(np.mean(r == 1)), 6),
        top3=round(float(np.mean((r >= 1) & (r <= 3))), 6),
        mrr=round(float(np.mean(np.where(r > 0, 1.0 / np.maximum(r, 1), 0.0))), 6),
        answered=round(answered / n, 6),
        answered_correct=round(right / answered, 6) if answered else 0.0,
        latency_ms_p50=round(float(np.percentile(timings, 50)), 4),
        n_entries=len(faq.entries),
        n_queries=n,
        build_seconds=round(build, 3),
    )
