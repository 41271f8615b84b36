"""The ``salesbot_intent`` spaCy component: intent probabilities in ``doc.cats``.

Inside is a TF-IDF (word 1-2 + char 2-5 grams) linear SVM with temperature-scaled softmax
scores. It was chosen by benchmark over logistic regression and spaCy's TextCatBOW (see
BENCHMARKS.md): as accurate, and trains in seconds rather than minutes. Without validation
data the out-of-scope threshold comes from cross-validating the training data itself
(``dialogs.nlu.oos``): a few more fits of the same small model, milliseconds for a business.
The decision (intent, or None when out of scope) is left on ``doc._.salesbot_intent`` as
well, so callers do not re-sort ``cats``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from dialogs.nlu import oos
from dialogs.nlu.data import Example, NluDataError
from dialogs.nlu.features import FeatureSpec, doc_features
from dialogs.nlu.linear import LinearModel

RANKING_SIZE = 10

if not Doc.has_extension("salesbot_intent"):
    Doc.set_extension("salesbot_intent", default=None)


@dataclass(frozen=True, slots=True)
class IntentDecision:
    intent: str | None  # None: out of scope
    confidence: float  # calibrated probability of the best in-scope intent
    ranking: tuple[tuple[str, float], ...]  # best in-scope intents first


@dataclass(frozen=True, slots=True)
class HeldOut:
    confidence: np.ndarray  # best in-scope probability per held-out in-scope example
    correct: np.ndarray  # that intent is the true one


class IntentClassifier:
    def __init__(
        self,
        nlp: Language,
        name: str,
        *,
        oos_label: str | None,
        c: float,
        default_threshold: float,
        max_in_scope_loss: float,
        word_ngrams: Sequence[int],
        char_ngrams: Sequence[int],
        heldout_percentile: float = oos.HELDOUT_PERCENTILE,
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.oos_label = oos_label
        self.c = c
        self.max_in_scope_loss = max_in_scope_loss
        self.heldout_percentile = heldout_percentile
        self.spec = FeatureSpec(tuple(word_ngrams), tuple(char_ngrams))  # type: ignore[arg-type]
        self.default_threshold = default_threshold
        self.threshold = default_threshold
        self.temperature = oos.DEFAULT_TEMPERATURE
        self.model: LinearModel | None = None
        self._in_scope = np.empty(0, np.intp)
        self._oos_index: int | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return self.model.labels if self.model else ()

    def train(
        self,
        examples: Sequence[Example],
        validation: Sequence[Example] | None = None,
        *,
        threshold: float | None = None,
    ) -> Any:
        """Fit on ``examples``; calibrate temperature and threshold on ``validation``.

        An explicit ``threshold`` wins over the chosen one; without either, the threshold is
        calibrated on held-out folds of ``examples`` (see :meth:`heldout`). Returns
        scikit-learn's fitted (features, classifier) for reference checks (see
        ``LinearModel.fit``).
        """
        intents = {e.intent for e in examples if e.intent != self.oos_label}
        if len(intents) < 2:
            raise NluDataError(f"need at least 2 intents to train, got {sorted(intents)}")
        words, chars = self._featurise(e.text for e in examples)
        self.model, reference = LinearModel.fit(
            words, chars, [e.intent for e in examples], c=self.c
        )
        self._index_labels()
        self.temperature = oos.DEFAULT_TEMPERATURE
        self.threshold = self.default_threshold
        if validation:
            self._calibrate(validation)
        if threshold is not None:
            self.threshold = threshold
        elif not validation:
            held = self.heldout(words, chars, [e.intent for e in examples])
            self.threshold = oos.percentile_threshold(held.confidence, self.heldout_percentile)
        return reference

    def heldout(
        self, words: list[list[str]], chars: list[list[str]], labels: Sequence[str]
    ) -> HeldOut:
        """Cross-validated confidences of the in-scope training examples.

        Each fold's model never saw the examples it scores, so their confidences are what
        new in-scope messages get. The out-of-scope class (if any) is trained in every fold
        like any intent, but its own examples do not shape the percentile: they are already
        handled by the class.
        """
        gold = np.array(labels, dtype=object)
        fold = oos.heldout_folds(labels)
        confidence: list[np.ndarray] = []
        correct: list[np.ndarray] = []
        for k in range(int(fold.max()) + 1):
            test = np.nonzero((fold == k) & (gold != self.oos_label))[0]
            train = np.nonzero(fold != k)[0]
            if len(test) == 0 or len(set(gold[train]) - {self.oos_label}) < 2:
                continue
            model, _ = LinearModel.fit(
                [words[i] for i in train], [chars[i] for i in train], gold[train], c=self.c
            )
            scores = np.array([model.scores(words[i], chars[i]) for i in test])
            in_scope = np.array(
                [i for i, x in enumerate(model.labels) if x != self.oos_label], dtype=np.intp
            )
            probs = oos.softmax(scores, self.temperature)[:, in_scope]
            best = in_scope[probs.argmax(axis=1)]
            confidence.append(probs.max(axis=1))
            correct.append(np.array(model.labels, dtype=object)[best] == gold[test])
        if not confidence:
            return HeldOut(np.empty(0), np.empty(0, dtype=bool))
        return HeldOut(np.concatenate(confidence), np.concatenate(correct))

    def _calibrate(self, validation: Sequence[Example]) -> None:
        model = self._require_model()
        position = {label: i for i, label in enumerate(model.labels)}
        is_oos = np.array(
            [e.intent not in position or e.intent == self.oos_label for e in validation]
        )
        scores = self.scores_many([e.text for e in validation])
        targets = np.array([position.get(e.intent, -1) for e in validation])
        known = targets >= 0
        self.temperature = oos.fit_temperature(scores[known], targets[known])
        probs = oos.softmax(scores, self.temperature)
        best, confidence = self._best_in_scope(probs)
        gold = np.array([e.intent for e in validation], dtype=object)
        labels = np.array(model.labels, dtype=object)
        rejected = self._rejected(probs)
        self.threshold = oos.choose_threshold(
            confidence,
            labels[best] == gold,
            rejected,
            is_oos,
            max_in_scope_loss=self.max_in_scope_loss,
        )

    def scores_many(self, texts: Iterable[str]) -> np.ndarray:
        model = self._require_model()
        words, chars = self._featurise(texts)
        return np.array([model.scores(w, c) for w, c in zip(words, chars, strict=True)])

    def _featurise(self, texts: Iterable[str]) -> tuple[list[list[str]], list[list[str]]]:
        words, chars = [], []
        for doc in self.nlp.tokenizer.pipe(texts):
            w, c = doc_features(doc, self.spec)
            words.append(w)
            chars.append(c)
        return words, chars

    def _index_labels(self) -> None:
        labels = self._require_model().labels
        self._oos_index = labels.index(self.oos_label) if self.oos_label in labels else None
        self._in_scope = np.array(
            [i for i, label in enumerate(labels) if i != self._oos_index], dtype=np.intp
        )

    def _best_in_scope(self, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        in_scope = probs[..., self._in_scope]
        arg = in_scope.argmax(axis=-1)
        return self._in_scope[arg], np.take_along_axis(in_scope, arg[..., None], -1)[..., 0]

    def _rejected(self, probs: np.ndarray) -> np.ndarray:
        if self._oos_index is None:
            return np.zeros(probs.shape[:-1], dtype=bool)
        return probs.argmax(axis=-1) == self._oos_index

    def probabilities(self, doc: Doc) -> np.ndarray:
        model = self._require_model()
        return oos.softmax(model.scores(*doc_features(doc, self.spec)), self.temperature)

    def decide(self, probs: np.ndarray) -> IntentDecision:
        labels = self.labels
        best, confidence = self._best_in_scope(probs)
        rejected = bool(self._rejected(probs))
        intent = None if rejected or confidence < self.threshold else labels[int(best)]
        order = self._in_scope[np.argsort(-probs[self._in_scope])[:RANKING_SIZE]]
        ranking = tuple((labels[i], float(probs[i])) for i in order)
        return IntentDecision(intent, float(confidence), ranking)

    def __call__(self, doc: Doc) -> Doc:
        probs = self.probabilities(doc)
        doc.cats = dict(zip(self.labels, probs.tolist(), strict=True))
        doc._.salesbot_intent = self.decide(probs)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)

    def _require_model(self) -> LinearModel:
        if self.model is None:
            raise RuntimeError(f"the '{self.name}' component is not trained")
        return self.model

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        self._require_model().to_disk(path)
        state = {"threshold": self.threshold, "temperature": self.temperature}
        (path / "calibration.json").write_text(json.dumps(state), encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> IntentClassifier:
        path = Path(path)
        self.model = LinearModel.from_disk(path)
        state = json.loads((path / "calibration.json").read_text(encoding="utf-8"))
        self.threshold = float(state["threshold"])
        self.temperature = float(state["temperature"])
        self._index_labels()
        return self


@Language.factory(
    "salesbot_intent",
    assigns=["doc.cats", "doc._.salesbot_intent"],
    default_config={
        "oos_label": None,
        "c": 1.0,
        "default_threshold": oos.DEFAULT_THRESHOLD,
        "max_in_scope_loss": oos.DEFAULT_MAX_IN_SCOPE_LOSS,
        "word_ngrams": [1, 2],
        "char_ngrams": [2, 5],
        "heldout_percentile": oos.HELDOUT_PERCENTILE,
    },
)
def make_intent_classifier(
    nlp: Language,
    name: str,
    oos_label: str | None,
    c: float,
    default_threshold: float,
    max_in_scope_loss: float,
    word_ngrams: list[int],
    char_ngrams: list[int],
    heldout_percentile: float,
) -> IntentClassifier:
    return IntentClassifier(
        nlp,
        name,
        oos_label=oos_label,
        c=c,
        default_threshold=default_threshold,
        max_in_scope_loss=max_in_scope_loss,
        word_ngrams=word_ngrams,
        char_ngrams=char_ngrams,
        heldout_percentile=heldout_percentile,
    )
