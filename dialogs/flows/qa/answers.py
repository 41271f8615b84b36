"""Product answers as text: prices, features, availability, overviews and comparisons.

Every word comes from config/texts and the catalog, in the turn's language; this module only
decides which texts to put together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from dialogs.core.content import Product
from dialogs.core.turn import Turn
from dialogs.flows.qa import prices

Aspect = Literal["price", "features", "availability", "compare", "overview"]
ASPECTS: frozenset[str] = frozenset({"price", "features", "availability", "compare", "overview"})
# A comparison shows the first features of each product: enough to tell them apart without
# a wall of text (the full list is one "features of X" away).
COMPARE_FEATURES = 4


def name(turn: Turn, product: Product) -> str:
    return product.name.get(turn.lang)


def plan_lines(turn: Turn, product: Product) -> str:
    """The plans with prices, then what the product comes with or needs, and its facts."""
    lines = [prices.plan_lines(turn, product)]
    names = turn.content.catalog
    for key in ("requires", "included_in"):
        others = [p.name.get(turn.lang) for i in getattr(product, key) if (p := names.product(i))]
        if others:
            joined = ("、" if turn.lang == "zh" else ", ").join(others)
            lines.append(turn.t(f"product_{key}", names=joined))
    lines += [f"• {fact.get(turn.lang)}" for fact in product.facts.values()]
    return "\n".join(lines)


def feature_lines(turn: Turn, product: Product, limit: int | None = None) -> str:
    return "\n".join(f"• {feature}" for feature in product.features.get(turn.lang)[:limit])


def price(turn: Turn, product: Product) -> str:
    return turn.t(
        "product_answer_price", product=name(turn, product), plans=plan_lines(turn, product)
    )


def features(turn: Turn, product: Product) -> str:
    return turn.t(
        "product_answer_features",
        product=name(turn, product),
        features=feature_lines(turn, product),
    )


def availability(turn: Turn, product: Product) -> str:
    if product.availability is None:  # software, or a service that is never booked up
        status = turn.t("availability_always")
        return turn.t("product_availability_now", product=name(turn, product), status=status)
    status = turn.t(f"availability_{product.availability}")
    if not product.lead_time_days:  # nothing to dispatch, or work starts at once
        return turn.t("product_availability_now", product=name(turn, product), status=status)
    return turn.t(
        "product_availability",
        product=name(turn, product),
        status=status,
        days=product.lead_time_days,
    )


def overview(turn: Turn, product: Product) -> str:
    return turn.t(
        "product_overview",
        product=name(turn, product),
        summary=product.summary.get(turn.lang),
        good_for=product.good_for.get(turn.lang),
        plans=plan_lines(turn, product),
    )


def compare(turn: Turn, products: Sequence[Product]) -> str:
    names = [name(turn, p) for p in products]
    separator = "、" if turn.lang == "zh" else ", "
    intro = turn.t("compare_intro", a=separator.join(names[:-1]), b=names[-1])
    blocks = [
        turn.t(
            "compare_block",
            product=name(turn, p),
            summary=p.summary.get(turn.lang),
            good_for=p.good_for.get(turn.lang),
            plans=plan_lines(turn, p),
            features=feature_lines(turn, p, COMPARE_FEATURES),
        )
        for p in products
    ]
    return "\n\n".join([intro, *blocks])


def answer(turn: Turn, aspect: Aspect, products: Sequence[Product]) -> str:
    """The answer about one aspect of ``products`` (compare needs two or more)."""
    if aspect == "compare":
        return compare(turn, products)
    render = {"price": price, "features": features, "availability": availability}.get(
        aspect, overview
    )
    return "\n\n".join(render(turn, p) for p in products)
