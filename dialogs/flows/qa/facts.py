"""Answering a product's free-form facts (``facts: {setup_fee: {en: .., zh: ..}}``).

A fact is asked about when the message has every word of its key ("setup fee" for
``setup_fee``) or one of its ``words`` in the customer's language ("开通费").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dialogs.core.catalog import Fact, Product


def asked(text: str, lang: str, products: Sequence[Product]) -> tuple[Product, Fact] | None:
    """The first fact of ``products`` the message asks about, with its product."""
    lowered = text.lower()
    for product in products:
        for key, fact in product.facts.items():
            # Word starts only: "fee" in "fees", not in "coffee".
            if all(re.search(rf"\b{re.escape(w)}", lowered) for w in key.split("_")):
                return product, fact
            if any(word.lower() in lowered for word in fact.words.get(lang)):
                return product, fact
    return None
