"""What the message that opened the lead form already answers (#16): pure, no store."""

from __future__ import annotations

import pytest

from dialogs.core.content import Content
from dialogs.flows.lead.prefill import from_message
from dialogs.nlu.types import Entity


def product(text: str, word: str, product_id: str) -> Entity:
    start = text.index(word)
    return Entity("product", word, product_id, start, start + len(word))


def email(text: str, address: str) -> Entity:
    start = text.index(address)
    return Entity("email", address, address, start, start + len(address))


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("I need a quote for 20 Cam 4K cameras", "Cam 4K"),
        ("quote for 20x Cam 4K please", "Cam 4K"),
        ("我要 20 台 Cam 4K 的报价", "Cam 4K"),
        ("我要二十台Cam 4K的报价", "Cam 4K"),
    ],
)
def test_a_count_before_a_product_fills_the_quantity_and_the_product(
    content: Content, text: str, word: str
) -> None:
    found = from_message(content.lead_form, text, [product(text, word, "cam4k")], regions=("US",))
    assert found == {"rooms": 20, "product_interest": "cam4k"}


def test_email_and_company_are_taken_a_budget_is_not_a_quantity(content: Content) -> None:
    text = "Quote for the Bar please, I'm from Acme Rooms Ltd, jo@acme.com, budget $5000"
    found = from_message(
        content.lead_form,
        text,
        [product(text, "Bar", "bar"), email(text, "jo@acme.com")],
        regions=("US",),
    )
    assert found == {
        "product_interest": "bar",
        "company": "Acme Rooms Ltd",
        "email": "jo@acme.com",
    }


def test_zh_company_and_nothing_from_a_bare_request(content: Content) -> None:
    form = content.lead_form
    assert from_message(form, "我是深圳市顺丰速运有限公司的，想要报价", [], regions=("CN",)) == {
        "company": "深圳市顺丰速运有限公司"
    }
    assert from_message(form, "I want a quote", [], regions=("US",)) == {}


def test_a_count_out_of_range_or_a_product_not_offered_is_left_to_ask(content: Content) -> None:
    text = "a quote for 0 Cam 4K and the Widget"
    entities = [product(text, "Cam 4K", "cam4k"), product(text, "Widget", "widget")]
    assert from_message(content.lead_form, text, entities, regions=("US",)) == {
        "product_interest": "cam4k"
    }
