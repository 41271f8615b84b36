"""Train on one set, score on another: accuracy, out-of-scope detection, speed.

Out-of-scope handling follows the pipeline: a test example labelled ``oos_label`` is correct
when the model returns no intent. Without ``oos_label`` the evaluation is closed-set (every
message belongs to some intent), so no threshold applies unless one is given.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from dialogs.nlu.data import Example
from dialogs.nlu.pipeline import NluModel

# The keys `salesbot nlu evaluate --json` prints, in this order.
JSON_KEYS = (
    "accuracy",
    "in_scope_accuracy",
    "oos_recall",
    "oos_precision",
    "macro_f1",
    "train_seconds",
    "latency_ms_p50",
)
LATENCY_SAMPLE = 300
_OOS = "\0oos"  # stands for "no intent" in label comparisons; cannot clash with a real label
# A fixed reference time: evaluation must not depend on when it is run.
_EVAL_NOW = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class EvalReport:
    accuracy: float  # out of scope counted as one more class
    in_scope_accuracy: float
    oos_recall: float | None  # None when the test set has no out-of-scope examples
    oos_precision: float | None  # None when nothing was predicted out of scope
    macro_f1: float
    train_seconds: float
    latency_ms_p50: float  # one NluModel.parse call (tokenise, entities, intent)
    latency_ms_p95: float
    threshold: float
    n_train: int
    n_test: int

    def summary(self) -> dict[str, Any]:
        """The documented JSON keys only."""
        values = asdict(self)
        return {key: values[key] for key in JSON_KEYS}


def evaluate(
    train: Sequence[Example],
    test: Sequence[Example],
    lang: str,
    oos_label: str | None = None,
    threshold: float | None = None,
    validation: Sequence[Example] | None = None,
) -> EvalReport:
    if not test:
        raise ValueError("the test set is empty")
    if oos_label is None and threshold is None:
        threshold = 0.0  # closed-set: every message has an intent
    started = time.perf_counter()
    model = NluModel.train(
        lang, train, oos_label=oos_label, threshold=threshold, validation=validation
    )
    train_seconds = time.perf_counter() - started
    predicted = _predict(model, test)
    gold = [_OOS if e.intent == oos_label else e.intent for e in test]
    latencies = _latencies(model, test)
    return EvalReport(
        accuracy=_mean([p == g for p, g in zip(predicted, gold, strict=True)]),
        in_scope_accuracy=_mean(
            [p == g for p, g in zip(predicted, gold, strict=True) if g != _OOS]
        ),
        oos_recall=_optional_mean(
            [p == _OOS for p, g in zip(predicted, gold, strict=True) if g == _OOS]
        ),
        oos_precision=_optional_mean(
            [g == _OOS for p, g in zip(predicted, gold, strict=True) if p == _OOS]
        ),
        macro_f1=_macro_f1(gold, predicted),
        train_seconds=round(train_seconds, 3),
        latency_ms_p50=round(float(np.percentile(latencies, 50)), 4),
        latency_ms_p95=round(float(np.percentile(latencies, 95)), 4),
        threshold=round(model.threshold, 6),
        n_train=len(train),
        n_test=len(test),
    )


def _predict(model: NluModel, test: Sequence[Example]) -> list[str]:
    # The classifier alone decides the intent; entities do not change it, so skip them here.
    classifier = model.classifier
    labels: list[str] = []
    for doc in model.nlp.tokenizer.pipe(e.text for e in test):
        decision = classifier(doc)._.salesbot_intent
        labels.append(_OOS if decision.intent is None else decision.intent)
    return labels


def _latencies(model: NluModel, test: Sequence[Example]) -> list[float]:
    sample = random.Random(0).sample(list(test), min(LATENCY_SAMPLE, len(test)))
    for example in sample[:20]:  # warm caches (dateparser, phonenumbers) first
        model.parse(example.text, now=_EVAL_NOW)
    timings = []
    for example in sample:
        started = time.perf_counter()
        model.parse(example.text, now=_EVAL_NOW)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _macro_f1(gold: list[str], predicted: list[str]) -> float:
    # Out of scope is one class among the intents, as in the accuracy.
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold, predicted, strict=True):
        if g == p:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
    labels = set(gold) | set(predicted)
    scores = [2 * tp[x] / (2 * tp[x] + fp[x] + fn[x]) for x in labels]
    return round(float(np.mean(scores)), 6)


def _mean(values: list[bool]) -> float:
    return round(float(np.mean(values)), 6) if values else 0.0


def _optional_mean(values: list[bool]) -> float | None:
    return _mean(values) if values else None
