"""Cross-validation of a business's NLU data: seeded, stratified, as the bot decides (#15)."""

from __future__ import annotations

import pytest

from dialogs.nlu.crossval import cross_validate
from dialogs.nlu.data import Example

DATA = [
    *(Example(f"how much does plan {i} cost", "ask_price") for i in range(12)),
    *(Example(f"can I talk to person number {i}", "talk_to_human") for i in range(12)),
    *(Example(f"thanks a lot, friend {i}", "thanks") for i in range(12)),
    *(Example(text, "out_of_scope") for text in ("tell me a joke", "weather today", "banana")),
]


def test_repeatable_stratified_and_scored_per_intent() -> None:
    first = cross_validate(DATA, "en", oos_label="out_of_scope")
    again = cross_validate(DATA, "en", oos_label="out_of_scope")
    assert (first.accuracy, first.recall) == (again.accuracy, again.recall)
    assert set(first.recall) == {"ask_price", "talk_to_human", "thanks", "out_of_scope"}
    assert first.recall["ask_price"] == 1.0 and first.accuracy > 0.8
    assert (first.folds, first.n_examples) == (5, len(DATA))


def test_needs_two_intents() -> None:
    with pytest.raises(ValueError, match="two intents"):
        cross_validate(DATA[:12], "en")
