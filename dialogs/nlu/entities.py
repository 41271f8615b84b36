"""The ``salesbot_entities`` spaCy component: rule-based entities in ``doc._.salesbot_entities``.

Emails, phones, URLs, money, dates/times and product names come from rules and well-kept
parsers (email-validator, phonenumbers, dateparser) rather than a learned tagger: a business
has no annotated data, and these values must be exact. Dates need a reference time: set
``doc._.salesbot_now`` (an aware datetime) before the component runs, otherwise no dates are
extracted, because reading the wall clock inside the NLU would make results untestable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from dialogs.nlu.dates import find_dates
from dialogs.nlu.money import find_money
from dialogs.nlu.types import Entity

for _name in ("salesbot_entities", "salesbot_now"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


# Earlier labels win where matches overlap ("Cam 4K" is a product, not 4000 of money).
PRIORITY = ("email", "url", "phone", "product", "money", "datetime", "date")

# ASCII-only edges: in Chinese text an address often touches a Han character ("是a@b.cn谢谢").
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
    r"(?![A-Za-z0-9-])"
)
_URL_TAIL = r"[^\s<>\"'，。！？、；）\u4e00-\u9fff]"
_URL = re.compile(
    rf"(?<![A-Za-z0-9])(?:https?://|www\.){_URL_TAIL}+"
    r"|(?<![@A-Za-z0-9.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|co|cn|ai|app|dev|info|biz)"
    rf"(?![A-Za-z0-9@-])(?:/{_URL_TAIL}*)?",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?)]}'\""
_DIGITS = re.compile(r"\d")
_MIN_PHONE_DIGITS = 6


class ProductMatcher:
    """Product names and aliases, case-insensitive; rows are ``[id, name, alias, ...]``."""

    def __init__(self, nlp: Language, products: Sequence[Sequence[str]]) -> None:
        self.nlp = nlp
        self.rows = [[str(x) for x in row] for row in products if row]
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for product_id, *names in self.rows:
            surface = {n.strip().lower() for n in [product_id, *names] if n.strip()}
            self.matcher.add(product_id, [nlp.make_doc(n) for n in sorted(surface)])

    def __call__(self, text: str) -> list[Entity]:
        # spaCy splits "4K" but not "4k", so both sides are lowercased before tokenising;
        # the offsets stay valid unless lowercasing changes the length (rare Unicode cases).
        if not self.rows:
            return []
        lowered = text.lower()
        doc = self.nlp.make_doc(lowered if len(lowered) == len(text) else text)
        found = []
        for match_id, start, end in self.matcher(doc):
            span = doc[start:end]
            first, last = span.start_char, span.end_char
            # Chinese docs are segmented per character, so "hub" would match inside "github":
            # a Latin word must not continue past either edge of the match.
            if (first > 0 and _joins(text[first - 1], text[first])) or (
                last < len(text) and _joins(text[last - 1], text[last])
            ):
                continue
            product_id = doc.vocab.strings[match_id]
            found.append(Entity("product", text[first:last], product_id, first, last))
        return found


class EntityExtractor:
    def __init__(
        self,
        nlp: Language,
        name: str,
        *,
        products: Sequence[Sequence[str]],
        phone_region: str,
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.phone_region = phone_region
        self.products = ProductMatcher(nlp, products)

    def set_products(self, products: Sequence[Sequence[str]] | Mapping[str, Iterable[str]]) -> None:
        """Products as ``[[id, name, alias, ...], ...]`` or ``{id: [name, alias, ...]}``."""
        rows = (
            [[key, *names] for key, names in products.items()]
            if isinstance(products, Mapping)
            else [list(row) for row in products]
        )
        self.products = ProductMatcher(self.nlp, rows)

    def __call__(self, doc: Doc) -> Doc:
        doc._.salesbot_entities = extract_entities(
            doc, now=doc._.salesbot_now, phone_region=self.phone_region, products=self.products
        )
        return doc

    # The product list is saved with the model (not only in config.cfg), so products set
    # after building are what a reload sees.
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"products": self.products.rows}, ensure_ascii=False)
        (path / "products.json").write_text(body, encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> EntityExtractor:
        rows = json.loads((Path(path) / "products.json").read_text(encoding="utf-8"))
        self.set_products(rows["products"])
        return self


def extract_entities(
    doc: Doc,
    *,
    now: datetime | None = None,
    phone_region: str = "US",
    products: ProductMatcher | None = None,
) -> tuple[Entity, ...]:
    """All entities of ``doc``, ordered by position, overlaps resolved by ``PRIORITY``."""
    text = doc.text
    found: list[Entity] = []
    for m in _EMAIL.finditer(text):
        try:
            email = validate_email(m.group(0), check_deliverability=False).normalized
        except EmailNotValidError:
            continue
        found.append(Entity("email", m.group(0), email, m.start(), m.end()))
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(_URL_TRAILING)
        value = url if "://" in url else f"https://{url}"
        found.append(Entity("url", url, value, m.start(), m.start() + len(url)))
    if len(_DIGITS.findall(text)) >= _MIN_PHONE_DIGITS:  # the matcher is the slow part
        found.extend(_phones(text, phone_region))
    if products is not None:
        found.extend(products(text))
    found.extend(Entity("money", m.text, m.value, m.start, m.end) for m in find_money(text))
    if now is not None:
        for d in find_dates(text, now):
            label = "datetime" if isinstance(d.value, datetime) else "date"
            found.append(Entity(label, d.text, d.value, d.start, d.end))
    return _resolve(found)


def _phones(text: str, region: str) -> list[Entity]:
    leniency = phonenumbers.Leniency.VALID
    return [
        Entity(
            "phone",
            m.raw_string,
            phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164),
            m.start,
            m.end,
        )
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency)
    ]


def _joins(a: str, b: str) -> bool:
    return a.isascii() and b.isascii() and a.isalnum() and b.isalnum()


def _resolve(found: list[Entity]) -> tuple[Entity, ...]:
    rank = {label: i for i, label in enumerate(PRIORITY)}
    chosen: list[Entity] = []
    for entity in sorted(found, key=lambda e: (rank[e.label], -(e.end - e.start), e.start)):
        if all(entity.end <= c.start or entity.start >= c.end for c in chosen):
            chosen.append(entity)
    return tuple(sorted(chosen, key=lambda e: e.start))


@Language.factory(
    "salesbot_entities",
    assigns=["doc._.salesbot_entities"],
    default_config={"products": [], "phone_region": "US"},
)
def make_entity_extractor(
    nlp: Language, name: str, products: list[list[str]], phone_region: str
) -> EntityExtractor:
    return EntityExtractor(nlp, name, products=products, phone_region=phone_region)
