"""Answers the customer already gave in the message that opened the form (#16).

"I need a quote for 20 Cam 4K cameras, jo@acme.com" should not be followed by "which
product?", "how many?" and "your e-mail?". Only what the NLU found as an entity, or a
quantity written right before a product, is taken; every value still goes through the
field's validator, so a prefilled answer is exactly what a typed one would have been.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from dialogs.core.content import FormField, LeadForm
from dialogs.nlu.numbers import CN_NUMERAL_CHARS
from dialogs.nlu.types import Entity
from dialogs.validators import check

# "20 Cam 4K", "20x Cam 4K", "20 台 Cam 4K", "二十套 Bar": a count right before the product.
_COUNT_BEFORE = re.compile(
    rf"(\d{{1,6}}|[{CN_NUMERAL_CHARS}]{{1,6}})\s*(?:x|×|pcs|units?|台|个|套|部|块)?\s*(?:of\s+)?$",
    re.IGNORECASE,
)
# A company is only taken when its name says it is one: "from Acme Rooms Ltd",
# "我们是顺丰速运有限公司"; "I'm from Boston" is no company.
_COMPANY_EN = re.compile(
    r"\b(?:from|at|with|for|of)\s+(?:the\s+)?"
    r"((?:[A-Z][\w&'.-]*\s+){0,4}"
    r"(?:Ltd|Limited|Inc|LLC|GmbH|Corp|Corporation|Co|Company|AG|SA)\b\.?)"
)
_COMPANY_ZH = re.compile(
    r"(?:我是|我们是|来自|我在|我们在)([\u4e00-\u9fffA-Za-z0-9]{2,30}?(?:有限公司|公司|集团))"
)


def from_message(
    form: LeadForm,
    text: str,
    entities: Sequence[Entity],
    *,
    regions: Sequence[str],
) -> dict[str, Any]:
    """Field name -> validated value for what ``text`` already answers."""
    found: dict[str, Any] = {}

    def offer(target: str, raw: str) -> None:
        form_field = form.field_for(target)
        if form_field is None or form_field.name in found:
            return
        checked = check(form_field, raw, regions=regions)
        if checked.ok:
            found[form_field.name] = checked.value

    for entity in entities:
        if entity.label in ("email", "phone"):
            offer(entity.label, str(entity.text))
        elif entity.label == "product":
            offer("product_interest", str(entity.value))
            count = _COUNT_BEFORE.search(text[: entity.start])
            quantity = quantity_field(form)
            if count and quantity is not None and quantity.name not in found:
                checked = check(quantity, count.group(1), regions=regions)
                if checked.ok:
                    found[quantity.name] = checked.value
    company = _COMPANY_EN.search(text) or _COMPANY_ZH.search(text)
    if company:
        offer("company", company.group(1).strip())
    return found


def quantity_field(form: LeadForm) -> FormField | None:
    """Where "20 cameras" goes: the form's first number question that is not the budget."""
    money = form.field_for("estimated_value")
    return next(
        (f for f in form.fields if f.validator == "number" and f is not money),
        None,
    )
