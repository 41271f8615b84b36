"""Prices as a customer reads them: the currency their language gets, what one price buys.

``¥580/小时``, ``$80 per hour``, ``¥220 per user per month (minimum 5 users)``: the amount
goes through ``money_<code>`` (a symbol where the business gave one), the unit through
``period_*`` / ``per_*`` and the minimum through ``minimum_*``, all overridable texts.
"""

from __future__ import annotations

from dialogs.core.catalog import COUNTED, Plan, Product
from dialogs.core.turn import Turn
from dialogs.core.wording import DEFAULTS


def amount(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def currency_code(turn: Turn) -> str:
    return turn.content.catalog.currency_for(turn.lang)


def currency(turn: Turn, code: str | None = None) -> str:
    """The currency's word ("美元"), or its ISO code when the business wrote none."""
    code = code or currency_code(turn)
    key = f"currency_{code.lower()}"
    return turn.t(key) if key in turn.content.texts.get("en", {}) else code


def money(turn: Turn, value: float, code: str | None = None) -> str:
    code = code or currency_code(turn)
    key = f"money_{code.lower()}"
    shown = amount(value)
    word = currency(turn, code)
    known = key in turn.content.texts.get("en", {}) or key in DEFAULTS["en"]
    return turn.t(key if known else "money", amount=shown, currency=word)


def unit(turn: Turn, plan: Plan) -> str:
    """What one price buys and how often it recurs: "per user per month (minimum 5 users)"."""
    per = plan.unit
    parts = [turn.t(f"per_{per}") if per in COUNTED else turn.t(f"period_{per}")]
    if plan.billing is not None:
        parts.append(turn.t("period_month" if plan.billing == "monthly" else "period_year"))
    if plan.min_quantity is not None:
        parts.append(turn.t(f"minimum_{per}", quantity=plan.min_quantity))
    # Chinese units attach to the number ("¥220/用户/月"); English ones are words.
    return ("" if turn.lang == "zh" else " ").join(parts)


def plan_line(turn: Turn, plan: Plan) -> str:
    code = currency_code(turn)
    value = plan.amount(code)
    return turn.t(
        "plan_line",
        plan=plan.name.get(turn.lang),
        price=amount(value),
        currency=currency(turn, code),
        period=unit(turn, plan),
        money=money(turn, value, code),
    )


def plan_lines(turn: Turn, product: Product) -> str:
    return "\n".join(plan_line(turn, plan) for plan in product.plans)
