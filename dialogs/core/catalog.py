"""``config/catalog/products.yaml``: what a business sells, for any kind of business.

A product is ``goods`` (shipped: stock and lead time are required), ``software`` (nothing
ships: stock and lead time are refused, so a hardware habit cannot make the bot say "3
business days" about a licence) or a ``service`` (may be fully booked: stock and lead time
are optional and mean "when the work can start"). A plan's price is in one currency
(``price``, the catalog's ``currency``) or in several (``prices``, one per code in
``currencies``); ``per`` says what one price buys and ``billing`` how often a per-user,
per-seat, per-unit or per-hour price recurs. Old catalogs (``currency`` + ``price`` +
``period``) keep their meaning.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from dialogs.core.schema import Lang, Localized, LocalizedList, Strict, unique

Kind = Literal["goods", "software", "service"]
Per = Literal["once", "month", "year", "hour", "user", "seat", "unit"]
Billing = Literal["monthly", "yearly"]
Availability = Literal["in_stock", "preorder", "out_of_stock"]
# A price per once/month/year already says how often it is paid; the others count something
# (users, hours...) and may recur.
COUNTED: frozenset[str] = frozenset({"hour", "user", "seat", "unit"})


class Plan(Strict):
    name: Localized
    price: float | None = Field(default=None, ge=0)
    prices: dict[str, float] = {}
    period: Literal["once", "month", "year"] | None = None  # the older spelling of ``per``
    per: Per | None = None
    billing: Billing | None = None
    min_quantity: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> Plan:
        if self.price is None and not self.prices:
            raise ValueError("price: required key is missing (price: 80, or prices: {USD: 80})")
        if self.price is not None and self.prices:
            raise ValueError("prices: give price or prices, not both")
        for code, value in self.prices.items():
            if len(code) != 3 or not code.isupper() or not code.isalpha():
                raise ValueError(f"prices.{code}: not a 3-letter currency code like USD or CNY")
            if value < 0:
                raise ValueError(f"prices.{code}: a price cannot be negative")
        if self.period is not None and (self.per is not None or self.billing is not None):
            raise ValueError("period: write per (and billing) or period, not both")
        if self.billing is not None and self.unit not in COUNTED:
            raise ValueError(
                f"billing: a price per {self.unit} needs no billing cycle; "
                "billing goes with per: hour, user, seat or unit"
            )
        if self.min_quantity is not None and self.unit not in COUNTED:
            raise ValueError(
                f"min_quantity: a price per {self.unit} counts nothing; "
                "min_quantity goes with per: hour, user, seat or unit"
            )
        return self

    @property
    def unit(self) -> Per:
        return self.per or self.period or "once"

    def amount(self, code: str) -> float:
        """The price in ``code`` (the catalog checked that every plan has each currency)."""
        if self.prices:
            return self.prices[code]
        assert self.price is not None
        return self.price


class Fact(Localized):
    """A free-form fact ("setup_fee") answered when a customer asks about it."""

    # Extra words that ask about this fact, per language (the key's own words always do).
    words: LocalizedList = LocalizedList()


class Product(Strict):
    id: str = Field(pattern=r"^[a-z0-9_-]+$", max_length=20)  # fits in button payloads
    kind: Kind = "goods"
    name: Localized
    aliases: LocalizedList = LocalizedList()
    category: Localized
    summary: Localized
    features: LocalizedList
    plans: tuple[Plan, ...] = Field(min_length=1)
    availability: Availability | None = None
    lead_time_days: int | None = Field(default=None, ge=0)
    good_for: Localized
    requires: tuple[str, ...] = ()  # an add-on: sold only with one of these products
    included_in: tuple[str, ...] = ()  # ...and free with these
    facts: dict[str, Fact] = {}

    @model_validator(mode="after")
    def _stock_fits_kind(self) -> Product:
        if self.kind == "goods":
            if self.availability is None:
                raise ValueError(
                    "availability: required for kind goods (in_stock, preorder or out_of_stock)"
                )
            if self.lead_time_days is None:
                raise ValueError("lead_time_days: required for kind goods (business days to ship)")
        if self.kind == "software":
            for key in ("availability", "lead_time_days"):
                if getattr(self, key) is not None:
                    raise ValueError(
                        f"{key}: software has no stock or shipping; remove it "
                        "(a service that can be fully booked is kind: service)"
                    )
        for key in self.facts:
            if not key.replace("_", "").isalnum() or not key.islower() or not key[0].isalpha():
                raise ValueError(f"facts.{key}: write the key in lowercase words_with_underscores")
        return self

    @property
    def in_stock(self) -> bool:
        return self.availability in (None, "in_stock")


class Catalog(Strict):
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    currencies: tuple[str, ...] = ()
    currency_by_language: dict[Lang, str] = {}
    products: tuple[Product, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        unique([p.id for p in self.products], "products")
        codes = self.codes
        found: list[tuple[str, str]] = []  # (key, problem): all of them, for `salesbot check`
        if self.currencies and "currency" in self.model_fields_set:
            found.append(("currency", "write currencies: [..] or currency, not both"))
        for code in self.currencies:
            if len(code) != 3 or not code.isupper() or not code.isalpha():
                found.append(("currencies", f"{code!r} is not a 3-letter code like USD or CNY"))
        unique(list(codes), "currencies")
        for lang, code in self.currency_by_language.items():
            if code not in codes:
                listed = ", ".join(codes)
                problem = f"{code} is not one of the catalog's currencies ({listed})"
                found.append((f"currency_by_language.{lang}", problem))
        ids = {p.id for p in self.products}
        for i, product in enumerate(self.products):
            for key in ("requires", "included_in"):
                for other in getattr(product, key):
                    if other not in ids or other == product.id:
                        problem = f"{other!r} is not another product's id"
                        found.append((f"products.{i}.{key}", problem))
            for j, plan in enumerate(product.plans):
                found += _price_problems(plan, codes, f"products.{i}.plans.{j}")
        if found:
            raise ValidationError.from_exception_data(
                "Catalog",
                [
                    InitErrorDetails(
                        type=PydanticCustomError("value_error", problem),
                        loc=tuple(key.split(".")),
                        input=None,
                    )
                    for key, problem in found
                ],
            )
        return self

    @property
    def codes(self) -> tuple[str, ...]:
        """Every currency prices are given in; the first is the default."""
        return self.currencies or (self.currency,)

    def currency_for(self, lang: str) -> str:
        return self.currency_by_language.get(lang, self.codes[0])  # type: ignore[call-overload]

    def product(self, product_id: str) -> Product | None:
        return next((p for p in self.products if p.id == product_id), None)

    def names(self, lang: str) -> str:
        """Every product's name, for texts that list what the business sells."""
        names = [p.name.get(lang) for p in self.products]
        return "、".join(names) if lang == "zh" else ", ".join(names)


def _price_problems(plan: Plan, codes: tuple[str, ...], where: str) -> list[tuple[str, str]]:
    if plan.price is not None:
        if len(codes) > 1:
            example = ", ".join(f"{c}: …" for c in codes)
            problem = f"the catalog has several currencies; write prices: {{{example}}}"
            return [(f"{where}.price", problem)]
        return []
    listed = ", ".join(codes)
    found = [
        (f"{where}.prices.{code}", f"not one of the catalog's currencies ({listed})")
        for code in plan.prices
        if code not in codes
    ]
    found += [
        (f"{where}.prices", f"no {code} price (every plan needs each currency)")
        for code in codes
        if code not in plan.prices
    ]
    return found
