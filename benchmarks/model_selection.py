"""Model selection for the intent classifier, on CLINC150 *validation* data only.

Each option is trained on ``train`` (+ ``oos_train`` where it says so) and scored on ``val`` +
``oos_val``: in-scope accuracy with no threshold, then the out-of-scope threshold is chosen on
the same validation data by the pipeline's own rule (catch the most out-of-scope queries for at
most 0.5 points of in-scope accuracy) and both numbers are reported at that threshold. These
are selection figures, optimistic by construction; the test-set figures come from
``nlu_benchmark.py``. Used by ``nlu_benchmark.py --compare``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import spacy

from dialogs.nlu import Example
from dialogs.nlu.features import FeatureSpec, doc_features
from dialogs.nlu.oos import choose_threshold, fit_temperature, softmax

OOS = "oos"


@dataclass(frozen=True)
class Option:
    name: str
    in_scope_no_threshold: float
    in_scope: float
    oos_recall: float
    train_seconds: float


@dataclass(frozen=True)
class Scored:
    labels: np.ndarray  # (n_labels,) object
    scores: np.ndarray  # (n_val, n_labels): higher means more likely
    train_seconds: float


def _evaluate_scores(name: str, scored: Scored, val: Sequence[Example]) -> Option:
    labels = scored.labels
    gold = np.array([e.intent for e in val], dtype=object)
    is_oos = gold == OOS
    position = {label: i for i, label in enumerate(labels)}
    targets = np.array([position.get(g, -1) for g in gold])
    temperature = fit_temperature(scored.scores[targets >= 0], targets[targets >= 0])
    probs = softmax(scored.scores, temperature)
    in_scope = np.array([label != OOS for label in labels])
    best = np.where(in_scope)[0][probs[:, in_scope].argmax(1)]
    confidence = probs[np.arange(len(val)), best]
    rejected = labels[probs.argmax(1)] == OOS
    correct = labels[best] == gold
    threshold = choose_threshold(confidence, correct, rejected, is_oos)
    accepted = ~rejected & (confidence >= threshold)
    return Option(
        name=name,
        in_scope_no_threshold=float((correct & ~rejected)[~is_oos].mean()),
        in_scope=float((correct & accepted)[~is_oos].mean()),
        oos_recall=float((~accepted)[is_oos].mean()),
        train_seconds=scored.train_seconds,
    )


def _features(texts: Sequence[str], spec: FeatureSpec) -> tuple[list[list[str]], list[list[str]]]:
    tokenizer = spacy.blank("en").tokenizer
    pairs = [doc_features(doc, spec) for doc in tokenizer.pipe(texts)]
    return [w for w, _ in pairs], [c for _, c in pairs]


def _sklearn(
    make: Callable[[], object], train: Sequence[Example], val: Sequence[Example], spec: FeatureSpec
) -> Scored:
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    started = time.perf_counter()
    tw, tc = _features([e.text for e in train], spec)
    vw = TfidfVectorizer(analyzer=lambda x: x, sublinear_tf=True)
    vc = TfidfVectorizer(analyzer=lambda x: x, sublinear_tf=True)
    blocks = [vw.fit_transform(tw)] + ([vc.fit_transform(tc)] if spec.char_ngrams[1] else [])
    model = make()
    model.fit(sparse.hstack(blocks).tocsr(), [e.intent for e in train])  # type: ignore[attr-defined]
    seconds = time.perf_counter() - started
    vw_, vc_ = _features([e.text for e in val], spec)
    blocks = [vw.transform(vw_)] + ([vc.transform(vc_)] if spec.char_ngrams[1] else [])
    scores = model.decision_function(sparse.hstack(blocks).tocsr())  # type: ignore[attr-defined]
    return Scored(np.array(model.classes_, dtype=object), scores, seconds)  # type: ignore[attr-defined]


def _textcat_bow(train: Sequence[Example], val: Sequence[Example], budget_s: float) -> Scored:
    from spacy.training import Example as SpacyExample
    from spacy.util import minibatch

    started = time.perf_counter()
    nlp = spacy.blank("en")
    arch = {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True}
    arch |= {"ngram_size": 2, "no_output_layer": False, "length": 262144}
    textcat = nlp.add_pipe("textcat", config={"model": arch})
    labels = sorted({e.intent for e in train})
    for label in labels:
        textcat.add_label(label)  # type: ignore[attr-defined]
    # Hashed bag-of-words is case-sensitive: lowercase, as the calibration notes advise.
    data = [
        SpacyExample.from_dict(
            nlp.make_doc(e.text.lower()), {"cats": {x: float(x == e.intent) for x in labels}}
        )
        for e in train
    ]
    optimizer = nlp.initialize(lambda: data)
    rng = random.Random(0)
    while time.perf_counter() - started < budget_s:
        rng.shuffle(data)
        for batch in minibatch(data, size=64):
            nlp.update(batch, sgd=optimizer)
            if time.perf_counter() - started >= budget_s:
                break
    seconds = time.perf_counter() - started
    docs = nlp.pipe(e.text.lower() for e in val)
    probs = np.array([[doc.cats[x] for x in labels] for doc in docs])
    return Scored(np.array(labels, dtype=object), np.log(probs + 1e-12), seconds)


def compare_classifiers(
    train: Sequence[Example],
    oos_train: Sequence[Example],
    val: Sequence[Example],
    *,
    textcat_budget_s: float = 120.0,
) -> list[Option]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    default = FeatureSpec()
    full = [*train, *oos_train]
    runs: list[tuple[str, Callable[[], Scored]]] = [
        (
            "TF-IDF w1-2 + c2-5, LinearSVC C=1, oos class (default)",
            lambda: _sklearn(lambda: LinearSVC(C=1.0, random_state=0), full, val, default),
        ),
        (
            "TF-IDF w1-2 + c2-5, LinearSVC C=1, threshold only",
            lambda: _sklearn(lambda: LinearSVC(C=1.0, random_state=0), train, val, default),
        ),
        (
            "TF-IDF w1-2 + c2-5, LogisticRegression C=10, oos class",
            lambda: _sklearn(lambda: LogisticRegression(C=10.0, max_iter=2000), full, val, default),
        ),
        (
            "TF-IDF w1-2 + c2-5, LogisticRegression C=1, oos class",
            lambda: _sklearn(lambda: LogisticRegression(C=1.0, max_iter=2000), full, val, default),
        ),
        (
            "TF-IDF words 1-2 only, LinearSVC C=1, oos class",
            lambda: _sklearn(
                lambda: LinearSVC(C=1.0, random_state=0), full, val, FeatureSpec((1, 2), (0, 0))
            ),
        ),
        (
            f"spaCy TextCatBOW v3 (lowercased, {textcat_budget_s:.0f} s budget), oos class",
            lambda: _textcat_bow(full, val, textcat_budget_s),
        ),
    ]
    results = []
    for name, run in runs:
        results.append(_evaluate_scores(name, run(), val))
        print(f"  {results[-1]}", flush=True)
    return results


def compare_oos_scores(
    train: Sequence[Example], oos_train: Sequence[Example], val: Sequence[Example]
) -> list[tuple[str, float, float]]:
    """Out-of-scope scores of the default model: (score, in-scope acc, oos recall) on val."""
    from sklearn.svm import LinearSVC

    scored = _sklearn(
        lambda: LinearSVC(C=1.0, random_state=0), [*train, *oos_train], val, FeatureSpec()
    )
    labels, scores = scored.labels, scored.scores
    gold = np.array([e.intent for e in val], dtype=object)
    is_oos = gold == OOS
    position = {label: i for i, label in enumerate(labels)}
    targets = np.array([position[g] for g in gold])
    temperature = fit_temperature(scores, targets)
    in_scope = np.array([label != OOS for label in labels])
    s_in = scores[:, in_scope]
    probs = softmax(scores, temperature)[:, in_scope]
    top2 = np.sort(probs, 1)[:, -2:]
    raw2 = np.sort(s_in, 1)[:, -2:]
    z = s_in / temperature
    energy = temperature * (z.max(1) + np.log(np.exp(z - z.max(1, keepdims=True)).sum(1)))
    candidates = {
        "calibrated max probability (default)": probs.max(1),
        "margin between top-2 probabilities": top2[:, 1] - top2[:, 0],
        "raw max SVM score": s_in.max(1),
        "margin between top-2 raw scores": raw2[:, 1] - raw2[:, 0],
        "energy (T * logsumexp(score / T))": energy,
    }
    best = np.where(in_scope)[0][s_in.argmax(1)]
    correct = labels[best] == gold
    rejected = labels[scores.argmax(1)] == OOS
    rows = []
    for name, score in candidates.items():
        threshold = choose_threshold(score, correct, rejected, is_oos)
        accepted = ~rejected & (score >= threshold)
        rows.append(
            (name, float((correct & accepted)[~is_oos].mean()), float((~accepted)[is_oos].mean()))
        )
    return rows
