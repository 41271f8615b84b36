"""The catalog for any kind of business (#16): product kinds, several currencies, price
units, minimum quantities, add-ons, facts, FAQ ids of any length; each refusal one line."""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from dialogs.core.catalog import Catalog
from dialogs.core.config import ConfigError, problems_of, validate
from dialogs.core.content import Content, Faq, faq_key, load_content
from dialogs.core.payloads import LIMIT
from dialogs.flows.qa import facts, prices

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "catalog/products.yaml"


def product(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "thing",
        "name": {"en": "Thing", "zh": "东西"},
        "category": {"en": "thing", "zh": "东西"},
        "summary": {"en": "A thing.", "zh": "一个东西。"},
        "features": {"en": ["good"], "zh": ["好"]},
        "plans": [{"name": {"en": "Standard", "zh": "标准版"}, "price": 10}],
        "availability": "in_stock",
        "lead_time_days": 2,
        "good_for": {"en": "everyone", "zh": "所有人"},
    }
    return base | overrides


def catalog(*products: dict[str, Any], **top: Any) -> Catalog:
    return validate(Catalog, {"products": list(products) or [product()], **top}, SOURCE)


def error(*products: dict[str, Any], **top: Any) -> str:
    with pytest.raises(ConfigError) as info:
        catalog(*products, **top)
    message = str(info.value)
    assert "\n" not in message  # one line, as `salesbot check` prints it
    return message


def plan(**fields: Any) -> dict[str, Any]:
    return {"name": {"en": "Standard", "zh": "标准版"}, **fields}


# ── schema ────────────────────────────────────────────────────────────────────
def test_an_old_catalog_keeps_its_meaning() -> None:
    old = catalog(product(plans=[plan(price=10, period="month")]), currency="EUR")
    assert old.codes == ("EUR",) and old.currency_for("zh") == "EUR"
    only = old.products[0].plans[0]
    assert only.unit == "month" and only.amount("EUR") == 10
    assert old.products[0].kind == "goods"


def test_goods_need_stock_and_lead_time() -> None:
    bare = {k: v for k, v in product().items() if k not in ("availability", "lead_time_days")}
    assert error(bare) == (
        f"{SOURCE}: products.0.availability: required for kind goods "
        "(in_stock, preorder or out_of_stock)"
    )
    assert error(product(lead_time_days=None)) == (
        f"{SOURCE}: products.0.lead_time_days: required for kind goods (business days to ship)"
    )


def test_software_refuses_stock_and_services_may_have_it() -> None:
    assert error(product(kind="software")) == (
        f"{SOURCE}: products.0.availability: software has no stock or shipping; remove it "
        "(a service that can be fully booked is kind: service)"
    )
    bare = {k: v for k, v in product().items() if k not in ("availability", "lead_time_days")}
    software = catalog(bare | {"kind": "software"}).products[0]
    assert software.availability is None and software.in_stock
    assert catalog(bare | {"kind": "service"}).products[0].lead_time_days is None
    booked = catalog(product(kind="service", availability="out_of_stock", lead_time_days=15))
    assert not booked.products[0].in_stock
    assert "products.0.kind: Input should be 'goods', 'software' or 'service'" in error(
        product(kind="hardware")
    )


def test_several_currencies_need_every_price_and_a_known_default() -> None:
    two = catalog(
        product(plans=[plan(prices={"CNY": 580, "USD": 80}, per="hour")]),
        currencies=["CNY", "USD"],
        currency_by_language={"en": "USD"},
    )
    assert two.currency_for("en") == "USD" and two.currency_for("zh") == "CNY"
    assert two.products[0].plans[0].amount("CNY") == 580
    assert (
        error(product(plans=[plan(prices={"CNY": 580})]), currencies=["CNY", "USD"])
        == f"{SOURCE}: products.0.plans.0.prices: no USD price (every plan needs each currency)"
    )
    assert error(product(), currencies=["CNY", "USD"]) == (
        f"{SOURCE}: products.0.plans.0.price: the catalog has several currencies; "
        "write prices: {CNY: …, USD: …}"
    )
    assert error(product(plans=[plan(prices={"EUR": 5})]), currency="USD") == (
        f"{SOURCE}: products.0.plans.0.prices.EUR: not one of the catalog's currencies (USD)"
        " (and 1 more problem)"  # no USD price either
    )
    assert error(product(), currencies=["CNY"], currency_by_language={"en": "USD"}) == (
        f"{SOURCE}: currency_by_language.en: USD is not one of the catalog's currencies (CNY)"
    )
    assert error(product(), currency="USD", currencies=["USD"]) == (
        f"{SOURCE}: currency: write currencies: [..] or currency, not both"
    )
    assert error(product(plans=[plan(price=1, prices={"USD": 1})])) == (
        f"{SOURCE}: products.0.plans.0.prices: give price or prices, not both"
    )
    assert error(product(plans=[plan()])) == (
        f"{SOURCE}: products.0.plans.0.price: required key is missing "
        "(price: 80, or prices: {USD: 80})"
    )


def test_check_lists_every_catalog_wide_problem_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        Catalog.model_validate(
            {
                "currencies": ["CNY", "USD"],
                "currency_by_language": {"en": "EUR"},
                "products": [
                    product(plans=[plan(prices={"CNY": 1})], requires=["nope"]),
                    product(id="other", plans=[plan(price=2)]),
                ],
            }
        )
    assert [(p.key, p.problem) for p in problems_of(info.value)] == [
        ("currency_by_language.en", "EUR is not one of the catalog's currencies (CNY, USD)"),
        ("products.0.requires", "'nope' is not another product's id"),
        ("products.0.plans.0.prices", "no USD price (every plan needs each currency)"),
        (
            "products.1.plans.0.price",
            "the catalog has several currencies; write prices: {CNY: …, USD: …}",
        ),
    ]


def test_units_billing_and_minimum_quantity() -> None:
    seat = (
        catalog(product(plans=[plan(price=220, per="user", billing="monthly", min_quantity=5)]))
        .products[0]
        .plans[0]
    )
    assert (seat.unit, seat.billing, seat.min_quantity) == ("user", "monthly", 5)
    assert error(product(plans=[plan(price=1, per="month", billing="yearly")])) == (
        f"{SOURCE}: products.0.plans.0.billing: a price per month needs no billing cycle; "
        "billing goes with per: hour, user, seat or unit"
    )
    assert error(product(plans=[plan(price=1, min_quantity=5)])) == (
        f"{SOURCE}: products.0.plans.0.min_quantity: a price per once counts nothing; "
        "min_quantity goes with per: hour, user, seat or unit"
    )
    assert error(product(plans=[plan(price=1, period="month", per="user")])) == (
        f"{SOURCE}: products.0.plans.0.period: write per (and billing) or period, not both"
    )
    assert "products.0.plans.0.per: Input should be" in error(
        product(plans=[plan(price=1, per="fortnight")])
    )
    assert "products.0.plans.0.min_quantity: Input should be greater than or equal to 1" in (
        error(product(plans=[plan(price=1, per="user", min_quantity=0)]))
    )


def test_add_ons_name_other_products() -> None:
    base, addon = product(), product(id="extra", requires=["thing"], included_in=["thing"])
    assert catalog(base, addon).products[1].requires == ("thing",)
    assert error(base, product(id="extra", requires=["nope"])) == (
        f"{SOURCE}: products.1.requires: 'nope' is not another product's id"
    )
    assert error(product(included_in=["thing"])) == (
        f"{SOURCE}: products.0.included_in: 'thing' is not another product's id"
    )


def test_facts_are_bilingual_and_keyed_in_lowercase() -> None:
    fee = {
        "en": "Setup costs one month.",
        "zh": "开通费为一个月服务费。",
        "words": {"zh": ["开通费"]},
    }
    found = catalog(product(facts={"setup_fee": fee})).products
    assert found[0].facts["setup_fee"].get("zh").startswith("开通费")
    assert facts.asked("Is there a SETUP fee?", "en", found) is not None
    assert facts.asked("有开通费吗", "zh", found) is not None
    assert facts.asked("how much is the coffee setup", "en", found) is None  # "fee" in "coffee"
    assert error(product(facts={"Setup-Fee": fee})) == (
        f"{SOURCE}: products.0.facts.Setup-Fee: write the key in lowercase words_with_underscores"
    )
    assert "products.0.facts.setup_fee.zh: required key is missing" in error(
        product(facts={"setup_fee": {"en": "x"}})
    )


# ── FAQ ids and button payloads ───────────────────────────────────────────────
def entry(entry_id: str) -> dict[str, Any]:
    text = {"en": "q", "zh": "问"}
    return {"id": entry_id, "topic": "pricing", "question": text, "answer": text}


def test_faq_ids_of_any_length_fit_telegram_buttons() -> None:
    long_id = "what_happens_to_unused_hours_when_the_prepaid_pack_runs_out_after_a_year"
    faq = validate(Faq, {"entries": [entry(long_id), entry("hourly_rate")]}, "catalog/faq.yaml")
    assert faq_key("hourly_rate") == "hourly_rate"  # short ids stay readable in payloads
    key = faq_key(long_id)
    assert key != long_id and len(f"qa:faq:{key}".encode()) <= LIMIT
    assert faq_key(long_id) == key  # stable across restarts: a digest, not a counter
    assert faq.entry(key) is not None and faq.entry(key).id == long_id  # type: ignore[union-attr]
    assert faq.entry("hourly_rate") is not None and faq.entry("~000000000000") is None
    with pytest.raises(ConfigError, match=r"entries\.0\.id: String should match pattern"):
        validate(Faq, {"entries": [entry("Hourly Rate")]}, "catalog/faq.yaml")


# ── price rendering ───────────────────────────────────────────────────────────
@dataclass
class FakeTurn:
    """What price rendering reads of a turn: the language and the content."""

    content: Content
    lang: str

    def t(self, key: str, **values: object) -> str:
        return self.content.text(key, self.lang, **values)


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(ROOT / "config", "Auralis")


def two_currency(content: Content) -> Content:
    data = catalog(
        product(
            plans=[
                plan(prices={"CNY": 580, "USD": 80}, per="hour"),
                plan(prices={"CNY": 220, "USD": 31}, per="user", billing="monthly", min_quantity=5),
                plan(prices={"CNY": 4800, "USD": 660.5}),
            ]
        ),
        currencies=["CNY", "USD"],
        currency_by_language={"en": "USD", "zh": "CNY"},
    )
    texts = copy.deepcopy(content.texts)
    texts["en"]["plan_line"] = "• {plan}: {money} {period}"
    texts["zh"]["plan_line"] = "• {plan}：{money}{period}"
    return replace(content, catalog=data, texts=texts)


def test_prices_in_each_language_s_currency_and_unit(content: Content) -> None:
    shop = two_currency(content)
    thing = shop.catalog.products[0]
    en = prices.plan_lines(FakeTurn(shop, "en"), thing).splitlines()  # type: ignore[arg-type]
    zh = prices.plan_lines(FakeTurn(shop, "zh"), thing).splitlines()  # type: ignore[arg-type]
    assert en == [
        "• Standard: $80 per hour",
        "• Standard: $31 per user per month (minimum 5 users)",
        "• Standard: $660.50 (one-time purchase)",
    ]
    assert zh == [
        "• 标准版：¥580/小时",
        "• 标准版：¥220/用户/月（最少 5 个用户）",
        "• 标准版：¥4,800（一次性购买）",
    ]


def test_old_texts_still_render_new_units(content: Content) -> None:
    # The demo's "{price} {currency} {period}" gets the new units through {period}.
    shop = replace(two_currency(content), texts=content.texts)
    line = prices.plan_lines(FakeTurn(shop, "en"), shop.catalog.products[0])  # type: ignore[arg-type]
    assert line.splitlines()[1] == "• Standard: 31 USD per user per month (minimum 5 users)"


def test_money_without_a_symbol_shows_the_code(content: Content) -> None:
    turn = FakeTurn(content, "en")
    assert prices.money(turn, 1200, "CHF") == "1,200 CHF"  # type: ignore[arg-type]
    assert prices.money(turn, 1200, "EUR") == "€1,200"  # type: ignore[arg-type]


def test_every_text_names_the_business_and_its_products(content: Content) -> None:
    texts = copy.deepcopy(content.texts)
    texts["zh"]["goodbye"] = "感谢咨询{business}：{products}"
    shop = replace(content, texts=texts, business="明台")
    said = shop.text("goodbye", "zh")
    assert said.startswith("感谢咨询明台：Auralis Cam 4K 会议摄像头、")
    assert shop.text("goodbye", "en", business="X")  # explicit values still win
