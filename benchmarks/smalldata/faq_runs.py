"""FAQ retrieval on covid_faq_en (seeded halves: dev chooses, test scores) or another FAQ.

The dev half chose ``ANSWER_WEIGHT``; K1/B are shown for reference (they were kept: the
differences on 122 queries were within two queries). The floor from #17 is plain TF-IDF over
character 2-5 grams of question + alternatives, cosine similarity.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

import dialogs.knowledge.index as kb_index
from dialogs.knowledge.evaluation import (
    FaqReport,
    Query,
    evaluate_faq,
    knowledge_base,
    load_faq,
    load_queries,
)

DATA = Path(__file__).resolve().parent.parent / "datasets" / "covid_faq_en"
SEED = 17
WEIGHTS = (0.0, 0.15, 0.3, 0.5, 0.8)


def halves() -> tuple[list[Query], list[Query]]:
    queries = load_queries(DATA / "queries.csv")
    random.Random(SEED).shuffle(queries)
    cut = len(queries) // 2
    return queries[:cut], queries[cut:]


def _line(name: str, r: FaqReport) -> str:
    return (
        f"| {name} | {r.n_queries} | {r.top1:.3f} | {r.top3:.3f} | {r.mrr:.3f} "
        f"| {r.answered:.3f} | {r.answered_correct:.3f} | {r.latency_ms_p50:.3f} |"
    )


HEAD = (
    "| run | queries | top-1 | top-3 | MRR | answered | answered correct | p50 ms |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
)


def char_floor(queries: list[Query]) -> tuple[float, float]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    faq = load_faq(DATA / "faq.csv")
    docs = [" ".join([e.question.en, *e.alternatives.en]) for e in faq.entries]
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    matrix = vec.fit_transform(docs)
    sims = (vec.transform([q.text for q in queries]) @ matrix.T).toarray()
    ids = np.array([e.id for e in faq.entries])
    ranked = ids[np.argsort(-sims, axis=1)[:, :3]]
    gold = np.array([q.faq_id for q in queries])
    return float(np.mean(ranked[:, 0] == gold)), float(np.mean((ranked == gold[:, None]).any(1)))


def covid(split: str) -> str:
    faq = load_faq(DATA / "faq.csv")
    dev, test = halves()
    lines = []
    if split == "dev":
        default = kb_index.ANSWER_WEIGHT, kb_index.K1, kb_index.B
        for weight in WEIGHTS:
            for k1, b in ((0.9, 0.75), (1.2, 0.75), (0.9, 0.5)):
                kb_index.ANSWER_WEIGHT, kb_index.K1, kb_index.B = weight, k1, b
                r = evaluate_faq(faq, dev, kb=knowledge_base(faq))
                lines.append(_line(f"dev half: answers x{weight}, k1={k1}, b={b}", r))
        kb_index.ANSWER_WEIGHT, kb_index.K1, kb_index.B = default
        top1, top3 = char_floor(dev)
        lines.append(f"| dev half: floor, TF-IDF char 2-5 | {len(dev)} | {top1:.3f} | {top3:.3f} "
                     "| | | | |")  # fmt: skip
    else:
        for name, queries in (("dev half", dev), ("test half", test), ("all", dev + test)):
            lines.append(_line(f"{name}: default", evaluate_faq(faq, queries)))
            top1, top3 = char_floor(queries)
            lines.append(f"| {name}: floor, TF-IDF char 2-5 | {len(queries)} | {top1:.3f} "
                         f"| {top3:.3f} | | | | |")  # fmt: skip
    return HEAD + "\n".join(lines) + "\n"


def external(faq_path: Path, queries_path: Path | None, lang: str) -> str:
    """Hook for another business's FAQ (e.g. ``examples/<name>/catalog/faq.yaml`` with
    ``examples/<name>/paraphrases/<lang>.csv``): printed only, never written."""
    if queries_path is None:
        raise SystemExit("--faq needs --queries (query,faq_id)")
    report = evaluate_faq(load_faq(faq_path, lang), load_queries(queries_path), lang)
    return HEAD + _line(f"{faq_path} ({lang})", report) + "\n"
