"""A TF-IDF linear classifier: trained with scikit-learn, applied with plain Python + numpy.

scikit-learn's vectoriser costs ~0.9 ms per single message; looking the same features up in a
dict and multiplying the few matching weight rows gives the same scores in tens of
microseconds (``tests/dialogs/test_nlu_classifier.py`` checks they agree). Weights are stored as
``.npy`` and vocabularies as JSON so a saved model never runs pickled code.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


def _words(pair: tuple[list[str], list[str]]) -> list[str]:
    return pair[0]


def _chars(pair: tuple[list[str], list[str]]) -> list[str]:
    return pair[1]


@dataclass(frozen=True, eq=False)
class Block:
    """One feature family (words or characters): its vocabulary and idf, l2-normalised apart."""

    vocab: dict[str, int]
    idf: np.ndarray
    offset: int  # first row of this block in the weight matrix

    def vector(self, features: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(features)
        index: list[int] = []
        tf: list[int] = []
        vocab = self.vocab
        for feature, count in counts.items():
            j = vocab.get(feature)
            if j is not None:
                index.append(j)
                tf.append(count)
        if not index:
            return np.empty(0, np.intp), np.empty(0)
        idx = np.array(index, dtype=np.intp)
        # sublinear tf, as TfidfVectorizer(sublinear_tf=True), then l2 over known features.
        values = (1.0 + np.log(np.array(tf, dtype=np.float64))) * self.idf[idx]
        values /= np.sqrt(values @ values)
        return idx + self.offset, values


@dataclass(frozen=True, eq=False)
class LinearModel:
    labels: tuple[str, ...]
    words: Block
    chars: Block
    weights: np.ndarray  # (n_features, n_labels) float32: a feature's row is contiguous
    bias: np.ndarray  # (n_labels,)

    def scores(self, word_feats: Sequence[str], char_feats: Sequence[str]) -> np.ndarray:
        """Decision scores per label (as scikit-learn's ``decision_function``)."""
        wi, wv = self.words.vector(word_feats)
        ci, cv = self.chars.vector(char_feats)
        idx = np.concatenate((wi, ci))
        values = np.concatenate((wv, cv))
        return values @ self.weights[idx] + self.bias

    @classmethod
    def fit(
        cls,
        word_docs: list[list[str]],
        char_docs: list[list[str]],
        labels: Sequence[str],
        *,
        c: float = 1.0,
    ) -> tuple[LinearModel, Any]:
        """Train; returns the model and scikit-learn's (features, classifier) for reference.

        The reference takes ``(word_feats, char_feats)`` pairs: ``svm.decision_function(
        features.transform(pairs))`` equals :meth:`scores`.
        """
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion
        from sklearn.svm import LinearSVC

        word_vec = TfidfVectorizer(analyzer=_words, sublinear_tf=True)
        char_vec = TfidfVectorizer(analyzer=_chars, sublinear_tf=True)
        features = FeatureUnion([("words", word_vec), ("chars", char_vec)])
        matrix = features.fit_transform(list(zip(word_docs, char_docs, strict=True)))
        svm = LinearSVC(C=c, random_state=0)
        svm.fit(matrix, list(labels))
        classes = tuple(str(x) for x in svm.classes_)
        coef, intercept = svm.coef_, svm.intercept_
        if len(classes) == 2:
            # scikit-learn keeps one hyperplane for two classes; spell out both sides so the
            # softmax over labels works the same for any number of labels.
            coef = np.vstack([-coef[0], coef[0]])
            intercept = np.array([-intercept[0], intercept[0]])
        n_words = len(word_vec.vocabulary_)
        model = cls(
            labels=classes,
            words=Block(dict(word_vec.vocabulary_), word_vec.idf_.copy(), 0),
            chars=Block(dict(char_vec.vocabulary_), char_vec.idf_.copy(), n_words),
            weights=np.ascontiguousarray(coef.T, dtype=np.float32),
            bias=intercept.astype(np.float64),
        )
        return model, (features, svm)

    def to_disk(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / "weights.npy", self.weights, allow_pickle=False)
        np.save(path / "bias.npy", self.bias, allow_pickle=False)
        np.save(path / "word_idf.npy", self.words.idf, allow_pickle=False)
        np.save(path / "char_idf.npy", self.chars.idf, allow_pickle=False)
        vocab = {
            "labels": list(self.labels),
            "words": _ordered(self.words.vocab),
            "chars": _ordered(self.chars.vocab),
        }
        (path / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def from_disk(cls, path: Path) -> LinearModel:
        vocab = json.loads((path / "vocab.json").read_text(encoding="utf-8"))
        words = {f: i for i, f in enumerate(vocab["words"])}
        chars = {f: i for i, f in enumerate(vocab["chars"])}
        weights = np.load(path / "weights.npy", allow_pickle=False)
        model = cls(
            labels=tuple(vocab["labels"]),
            words=Block(words, np.load(path / "word_idf.npy", allow_pickle=False), 0),
            chars=Block(chars, np.load(path / "char_idf.npy", allow_pickle=False), len(words)),
            weights=weights,
            bias=np.load(path / "bias.npy", allow_pickle=False),
        )
        if weights.shape != (len(words) + len(chars), len(model.labels)):
            raise ValueError(f"{path}: weights do not match the vocabulary and labels")
        return model


def _ordered(vocab: dict[str, int]) -> list[str]:
    ordered = [""] * len(vocab)
    for feature, index in vocab.items():
        ordered[index] = feature
    return ordered
