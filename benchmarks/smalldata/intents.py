"""Out-of-scope rules side by side on one task, and the default pipeline as the bot runs it.

``sweep`` trains the default classifier once and applies every candidate threshold to the
same test confidences (percentiles of the held-out confidences), which is how the percentile
was chosen on dev data. ``baseline`` is the reference rule quoted in #17: the same TF-IDF
features and linear SVM, 20% of the training data held out, threshold at the 10th percentile
of the held-out in-scope margins (top-1 minus top-2 score), then refit on all of it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dialogs.nlu import Example, NluModel, evaluate
from dialogs.nlu.classifier import IntentClassifier
from dialogs.nlu.features import doc_features
from dialogs.nlu.linear import LinearModel
from dialogs.nlu.oos import softmax

OOS = "oos"
PERCENTILES = (2.5, 5.0, 6.0, 7.5, 9.0, 10.0, 12.5)


@dataclass(frozen=True)
class Scores:
    overall: float
    in_scope: float
    oos_recall: float | None
    train_seconds: float = float("nan")
    latency_ms_p50: float = float("nan")

    @property
    def balanced(self) -> float:
        """Mean of in-scope accuracy and OOS recall: what the targets ask for, as one number."""
        return self.in_scope if self.oos_recall is None else (self.in_scope + self.oos_recall) / 2


def _score(predicted: Sequence[str | None], test: Sequence[Example]) -> Scores:
    gold = [None if e.intent == OOS else e.intent for e in test]
    hits = [p == g for p, g in zip(predicted, gold, strict=True)]
    ins = [h for h, g in zip(hits, gold, strict=True) if g is not None]
    out = [h for h, g in zip(hits, gold, strict=True) if g is None]
    return Scores(float(np.mean(hits)), float(np.mean(ins)), float(np.mean(out)) if out else None)


def _features(classifier: IntentClassifier, texts: Sequence[str]) -> tuple[list, list]:
    pairs = [doc_features(d, classifier.spec) for d in classifier.nlp.tokenizer.pipe(texts)]
    return [w for w, _ in pairs], [c for _, c in pairs]


def default(task_train: list[Example], test: list[Example], lang: str) -> Scores:
    """The pipeline exactly as `salesbot nlu evaluate --oos-label oos` runs it."""
    report = evaluate(task_train, test, lang, oos_label=OOS)
    return Scores(
        report.accuracy,
        report.in_scope_accuracy,
        report.oos_recall,
        report.train_seconds,
        report.latency_ms_p50,
    )


def sweep(train: list[Example], test: list[Example], lang: str) -> dict[str, Scores]:
    """Held-out percentile rules (and no threshold at all) on one trained model."""
    model = NluModel.train(lang, train, oos_label=OOS)
    classifier = model.classifier
    words, chars = _features(classifier, [e.text for e in train])
    held = classifier.heldout(words, chars, [e.intent for e in train])
    tw, tc = _features(classifier, [e.text for e in test])
    assert classifier.model is not None
    scores = np.array([classifier.model.scores(w, c) for w, c in zip(tw, tc, strict=True)])
    probs = softmax(scores, classifier.temperature)
    best = [classifier.labels[i] for i in probs.argmax(axis=1)]
    confidence = probs.max(axis=1)
    out = {"no threshold": _score(best, test)}
    for pc in PERCENTILES:
        bar = float(np.percentile(held.confidence, pc))
        out[f"held-out p{pc:g}"] = _score(
            [b if c >= bar else None for b, c in zip(best, confidence, strict=True)], test
        )
    return out


def baseline(train: list[Example], test: list[Example], lang: str) -> Scores:
    """#17's reference: margins of a 20% hold-out, 10th percentile, refit on everything."""
    started = time.perf_counter()
    classifier = NluModel.train(lang, train, threshold=0.0).classifier
    words, chars = _features(classifier, [e.text for e in train])
    labels = [e.intent for e in train]
    order = list(range(len(train)))
    random.Random(0).shuffle(order)
    cut = len(order) // 5
    held, kept = order[:cut], order[cut:]
    part, _ = LinearModel.fit(
        [words[i] for i in kept], [chars[i] for i in kept], [labels[i] for i in kept]
    )
    bar = float(np.percentile([_margin(part.scores(words[i], chars[i])) for i in held], 10))
    full, _ = LinearModel.fit(words, chars, labels)
    seconds = time.perf_counter() - started
    tw, tc = _features(classifier, [e.text for e in test])
    predicted: list[str | None] = []
    for w, c in zip(tw, tc, strict=True):
        s = full.scores(w, c)
        predicted.append(full.labels[int(s.argmax())] if _margin(s) >= bar else None)
    result = _score(predicted, test)
    return Scores(result.overall, result.in_scope, result.oos_recall, seconds)


def _margin(scores: np.ndarray) -> float:
    top = np.sort(scores)[-2:]
    return float(top[1] - top[0]) if len(top) == 2 else float(top[-1])
