"""Out-of-scope detection: calibrated confidences and a threshold chosen on held-out data.

A message is out of scope when the classifier's own out-of-scope class (trained from examples
labelled with ``oos_label``, when the data has them) wins, or when the best in-scope intent's
calibrated probability is below the threshold. On CLINC150 validation data, thresholding this
probability caught as many out-of-scope queries as the margin, energy, raw-score or
nearest-neighbour scores did (see BENCHMARKS.md), so the simple score is kept.

Where the threshold comes from, best source first: an explicit value; a validation file
(:func:`choose_threshold`); otherwise the business's own training data, cross-validated
(:func:`heldout_folds`, :func:`percentile_threshold`). A fixed default threshold was far too
permissive for small data (#17): with 20 examples per intent the best intent's probability
is high for almost anything, so the bar has to come from how confident the model is on
in-scope messages it has not seen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Softmax temperature over SVM scores (their margins are about ±1); 0.1 had the best
# validation log-loss on CLINC150. Used when there is no validation data to fit it on.
DEFAULT_TEMPERATURE = 0.1
# Only when nothing can be held out (an intent with a single example everywhere): below this
# calibrated probability the message is out of scope.
DEFAULT_THRESHOLD = 0.5
# Without validation data the threshold is this percentile of the calibrated confidences of
# cross-validated, held-out training examples: about this share of unseen in-scope messages
# is given up to reject out-of-scope ones. Chosen on dev data never scored (CLINC150 few-shot
# splits built with other seeds from train/val, BENCHMARKS.md "Small data"): the percentile
# where in-scope accuracy and out-of-scope recall meet.
HELDOUT_PERCENTILE = 7.5
HELDOUT_FOLDS = 5
# With validation data: the threshold may cost at most this much in-scope accuracy.
DEFAULT_MAX_IN_SCOPE_LOSS = 0.005
_TEMPERATURES = np.geomspace(0.01, 5.0, 96)


def heldout_folds(labels: Sequence[str], folds: int = HELDOUT_FOLDS, seed: int = 0) -> np.ndarray:
    """A fold number per example, stratified by label; -1 for examples never held out.

    An intent with a single example is never held out: without it the fold's model could not
    know the intent at all, and its low score would drag the threshold down for everyone.
    """
    rng = np.random.default_rng(seed)
    fold = np.full(len(labels), -1, dtype=np.intp)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    start = 0
    for label in sorted(by_label):
        members = np.array(by_label[label])
        if len(members) < 2:
            continue
        rng.shuffle(members)
        # Round-robin from a rotating start, so small intents do not all land in fold 0.
        fold[members] = (np.arange(len(members)) + start) % min(folds, len(members))
        start += 1
    return fold


def percentile_threshold(confidence: np.ndarray, percentile: float = HELDOUT_PERCENTILE) -> float:
    """The threshold that rejects ``percentile`` % of held-out in-scope confidences."""
    if len(confidence) == 0:
        return DEFAULT_THRESHOLD
    return float(np.percentile(confidence, percentile))


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = z - z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def fit_temperature(scores: np.ndarray, targets: np.ndarray) -> float:
    """The temperature with the lowest log-loss of ``softmax(scores / T)`` on ``targets``."""
    if len(targets) == 0:
        return DEFAULT_TEMPERATURE
    rows = np.arange(len(targets))
    losses = [-np.log(softmax(scores, t)[rows, targets] + 1e-12).mean() for t in _TEMPERATURES]
    return float(_TEMPERATURES[int(np.argmin(losses))])


def choose_threshold(
    confidence: np.ndarray,
    correct: np.ndarray,
    rejected: np.ndarray,
    is_oos: np.ndarray,
    *,
    max_in_scope_loss: float = DEFAULT_MAX_IN_SCOPE_LOSS,
) -> float:
    """Pick the confidence threshold on validation data.

    ``confidence``: best in-scope probability per message; ``correct``: the best in-scope
    intent is the true one; ``rejected``: the out-of-scope class already won; ``is_oos``: the
    message is truly out of scope. The threshold catches as many out-of-scope messages as
    possible while losing at most ``max_in_scope_loss`` in-scope accuracy; among thresholds
    catching the same number, the lowest (cheapest) one is taken. Without out-of-scope
    messages, it is the highest threshold within the allowed loss.
    """
    in_scope = ~is_oos
    n_in = int(in_scope.sum())
    if n_in == 0:
        return DEFAULT_THRESHOLD
    values = np.unique(confidence)
    # The first candidate rejects nothing (any score scale works, not only probabilities);
    # the others sit halfway between observed values, so none sits on a validation point.
    candidates = np.concatenate(([min(values[0], 0.0)], (values[:-1] + values[1:]) / 2))
    good = np.sort(confidence[in_scope & correct & ~rejected])
    kept = len(good) - np.searchsorted(good, candidates, side="left")
    accuracy = kept / n_in
    feasible = np.nonzero(accuracy >= accuracy[0] - max_in_scope_loss - 1e-12)[0]
    best = int(feasible.max())
    if is_oos.any():
        open_oos = np.sort(confidence[is_oos & ~rejected])
        caught = np.searchsorted(open_oos, candidates, side="left")
        best = int(np.nonzero(caught[: best + 1] == caught[best])[0].min())
    return float(candidates[best])
