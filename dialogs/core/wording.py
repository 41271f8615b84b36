"""The texts the engine says things with: which keys ``config/texts/<lang>.yaml`` must have,
and which ``{placeholders}`` each may use.

A business writes these files by hand; a key the engine asks for and cannot find, or a
placeholder it does not fill in, would fail mid-conversation. Both are caught when the
content is loaded (the first problem stops the start) and by ``salesbot check`` (all of
them). Keys read only when present (``lead_field_<field>``, ``currency_<code>``) and the
scheduler's built-in texts are not listed: a missing one falls back to a default.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

_NONE: frozenset[str] = frozenset()
# Filled in for every text (``Content.text``): the business's name from settings.yaml and
# the catalog's product names in the customer's language, so no text repeats them by hand.
SHARED: frozenset[str] = frozenset({"business", "products"})
_PRODUCT = frozenset({"product"})
_REP_WHEN = frozenset({"rep", "when"})

# Key -> the placeholders the engine fills in. Grouped as in the files.
REQUIRED: Mapping[str, frozenset[str]] = {
    # greeting and small talk
    "greeting": _NONE,
    "greeting_returning": frozenset({"name"}),
    "help_menu": _NONE,
    "goodbye": _NONE,
    "thanks_reply": _NONE,
    "bot_challenge": _NONE,
    "language_switched": _NONE,
    "language_choose": _NONE,
    "nothing_to_cancel": _NONE,
    # complaints: an apology, then a person is offered (button_talk_to_sales)
    "complaint_apology": _NONE,
    # when the bot does not understand
    "fallback_rephrase": _NONE,
    "fallback_offer_rep": _NONE,
    "error_generic": _NONE,
    # buttons
    "button_get_quote": _NONE,
    "button_book_call": _NONE,
    "button_talk_to_sales": _NONE,
    "button_yes": _NONE,
    "button_no": _NONE,
    "button_skip": _NONE,
    "button_cancel": _NONE,
    "button_reschedule": _NONE,
    "button_cancel_call": _NONE,
    "button_other_time": _NONE,
    # product answers
    "product_answer_price": frozenset({"product", "plans"}),
    "product_answer_features": frozenset({"product", "features"}),
    "product_availability": frozenset({"product", "status", "days"}),
    "product_availability_now": frozenset({"product", "status"}),
    "availability_in_stock": _NONE,
    "availability_preorder": _NONE,
    "availability_out_of_stock": _NONE,
    "compare_intro": frozenset({"a", "b"}),
    "product_which": _NONE,
    "product_overview": frozenset({"product", "summary", "good_for", "plans"}),
    "compare_which": _PRODUCT,
    "compare_block": frozenset({"product", "summary", "good_for", "plans", "features"}),
    # {money} is the price with its currency (money_<code>); {period} says what it buys
    # ("per user per month", with the minimum quantity).
    "plan_line": frozenset({"plan", "price", "currency", "period", "money"}),
    "period_once": _NONE,
    "period_month": _NONE,
    "period_year": _NONE,
    # lead form
    "lead_start": _NONE,
    "lead_invalid": frozenset({"reason"}),
    "lead_invalid_email": _NONE,
    "lead_invalid_phone": _NONE,
    "lead_invalid_number": frozenset({"min", "max"}),
    "lead_invalid_choice": _NONE,
    "lead_invalid_text": frozenset({"max"}),
    "lead_required": _NONE,
    "lead_skipped": _NONE,
    "lead_cancelled": _NONE,
    "lead_resume": frozenset({"question"}),
    "lead_correction_ok": frozenset({"field"}),
    "lead_consent_question": _NONE,
    "lead_consent_declined": _NONE,
    "lead_thanks": frozenset({"name"}),
    "lead_qualified": _NONE,
    "lead_merged": _NONE,
    # booking a call
    "booking_stopped": _NONE,
    "booking_start": _NONE,
    "booking_ask_timezone": _NONE,
    "booking_invalid_timezone": _NONE,
    "booking_offer_slots": _NONE,
    "booking_no_slots": _NONE,
    "booking_unclear_time": _NONE,
    "booking_slot_taken": _NONE,
    "booking_confirmed": _REP_WHEN,
    "booking_rescheduled": frozenset({"when"}),
    "booking_cancelled": _NONE,
    "booking_none_to_change": _NONE,
    "booking_reminder": _REP_WHEN,
    "booking_already_booked": _REP_WHEN,
    "booking_zone_set": frozenset({"zone"}),
    "booking_time_unavailable": _NONE,
    "booking_ask_time": _NONE,
    "booking_reschedule_pick": _REP_WHEN,
    "booking_cancel_confirm": _REP_WHEN,
    "booking_kept": frozenset({"when"}),
    # satisfaction survey (the questions themselves are in survey.yaml)
    "survey_invalid_csat": _NONE,
    "survey_invalid_nps": _NONE,
    "survey_thanks": _NONE,
    "survey_already_answered": _NONE,
    # talking to a person
    "handoff_started": _NONE,
    "handoff_outside_hours": frozenset({"when"}),
    "handoff_waiting": _NONE,
    "handoff_rep_joined": frozenset({"rep"}),
    "handoff_ended": _NONE,
    # privacy and opting out
    "forget_me_confirm": _NONE,
    "forget_me_done": _NONE,
    "forget_me_cancelled": _NONE,
    "stop_done": _NONE,
}
# Read only when present; the placeholders they may use.
OPTIONAL_PREFIXES: Mapping[str, frozenset[str]] = {
    "lead_field_": _NONE,
    "currency_": _NONE,
    "money_": frozenset({"amount", "currency"}),
}
# Catalog wording added after businesses had written their texts: a business may override
# each one under the same key, and one that never sells per user never needs to.
_AMOUNT = frozenset({"amount", "currency"})
_QUANTITY = frozenset({"quantity"})
OPTIONAL: Mapping[str, frozenset[str]] = {
    "per_hour": _NONE,
    "per_user": _NONE,
    "per_seat": _NONE,
    "per_unit": _NONE,
    "minimum_hour": _QUANTITY,
    "minimum_user": _QUANTITY,
    "minimum_seat": _QUANTITY,
    "minimum_unit": _QUANTITY,
    "money": _AMOUNT,
    "product_requires": frozenset({"names"}),
    "product_included_in": frozenset({"names"}),
    "product_fact": frozenset({"product", "fact"}),
    "availability_always": _NONE,
    # booking.yaml `require`: added after businesses had written their booking texts
    "booking_ask_name": _NONE,
    "booking_ask_email": _NONE,
    "booking_ask_phone": _NONE,
    "booking_ask_email_or_phone": _NONE,
    "booking_invalid_email_or_phone": _NONE,
}
DEFAULTS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "per_hour": "per hour",
        "per_user": "per user",
        "per_seat": "per seat",
        "per_unit": "per unit",
        "minimum_hour": "(minimum {quantity} hours)",
        "minimum_user": "(minimum {quantity} users)",
        "minimum_seat": "(minimum {quantity} seats)",
        "minimum_unit": "(minimum {quantity} units)",
        "money": "{amount} {currency}",
        "money_usd": "${amount}",
        "money_cny": "¥{amount}",
        "money_eur": "€{amount}",
        "money_gbp": "£{amount}",
        "product_requires": "An add-on to {names}.",
        "product_included_in": "Included with {names}.",
        "product_fact": "{product}: {fact}",
        "availability_always": "Available right away, nothing to ship.",
        "booking_ask_name": "Before I confirm: who should the rep ask for? Please type your name.",
        "booking_ask_email": "And your e-mail address, for the invitation?",
        "booking_ask_phone": "And the phone number the rep should call?",
        "booking_ask_email_or_phone": (
            "And your e-mail address or phone number, so the rep can reach you?"
        ),
        "booking_invalid_email_or_phone": (
            "Please enter an e-mail address (name@company.com) "
            "or a phone number with the country code (+1 617 555 0100)."
        ),
    },
    "zh": {
        "per_hour": "/小时",
        "per_user": "/用户",
        "per_seat": "/席位",
        "per_unit": "/件",
        "minimum_hour": "（最少 {quantity} 小时）",
        "minimum_user": "（最少 {quantity} 个用户）",
        "minimum_seat": "（最少 {quantity} 个席位）",
        "minimum_unit": "（最少 {quantity} 件）",
        "money": "{amount} {currency}",
        "money_usd": "${amount}",
        "money_cny": "¥{amount}",
        "money_eur": "€{amount}",
        "money_gbp": "£{amount}",
        "product_requires": "需与{names}一起购买。",
        "product_included_in": "{names}已包含此项。",
        "product_fact": "{product}：{fact}",
        "availability_always": "随时可用，无需发货。",
        "booking_ask_name": "确认之前：请问怎么称呼您？请输入您的姓名。",
        "booking_ask_email": "请留下您的邮箱，方便发送会议邀请。",
        "booking_ask_phone": "请留下销售可以拨打的电话号码。",
        "booking_ask_email_or_phone": "请留下您的邮箱或电话，方便销售联系您。",
        "booking_invalid_email_or_phone": (
            "请输入邮箱（如 name@company.com）或带区号的电话号码（如 +86 138 0013 8000）。"
        ),
    },
}


def default_text(key: str, lang: str) -> str:
    """The built-in wording of an optional key (``KeyError`` for a key nobody defined)."""
    return DEFAULTS.get(lang, {}).get(key) or DEFAULTS["en"][key]


def placeholders(template: str) -> frozenset[str]:
    """The ``{names}`` in a text; ``ValueError`` for a stray brace."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            names.add(name.split(".")[0].split("[")[0])
    return frozenset(names)


def text_problems(
    texts: Mapping[str, str], known: Mapping[str, frozenset[str]] | None = None
) -> list[tuple[str, str]]:
    """``(key, problem)`` for every required key missing from one language's texts and
    every placeholder the bot would not fill in. ``known`` adds keys the caller knows
    (e.g. the scheduler's) with their placeholders; other unknown keys are left alone."""
    allowed = {**(known or {}), **OPTIONAL, **REQUIRED}
    problems = [
        (key, "missing: the bot needs this text")
        for key in REQUIRED
        if not isinstance(texts.get(key), str) or not texts[key].strip()
    ]
    for key, template in texts.items():
        if not isinstance(template, str):
            continue
        fits = allowed.get(key)
        if fits is None:
            fits = next((v for p, v in OPTIONAL_PREFIXES.items() if key.startswith(p)), None)
        try:
            used = placeholders(template)
        except ValueError as exc:
            problems.append((key, f"bad braces ({exc}); write {{{{ or }}}} for a literal brace"))
            continue
        if fits is None:
            continue
        fits = fits | SHARED
        for name in sorted(used - fits):
            offer = ", ".join(f"{{{n}}}" for n in sorted(fits)) or "none"
            problems.append((key, f"unknown placeholder {{{name}}} (this text can use: {offer})"))
    return problems
