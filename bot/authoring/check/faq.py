"""Does each FAQ entry's own question find it? If not, customers asking it get another
answer or none: the knowledge base is built as the bot builds it and searched as the Q&A
flow searches it, with the same confidence gate for a direct answer."""

from __future__ import annotations

from bot.authoring.check.files import Loaded
from bot.authoring.check.report import Report
from dialogs.core.content import LANGS, Catalog, Faq
from dialogs.knowledge.index import CONFIDENT, KnowledgeBase

FILE = "catalog/faq.yaml"


def check_faq(loaded: Loaded, report: Report) -> None:
    catalog = loaded.model("catalog/products.yaml", Catalog)
    faq = loaded.model(FILE, Faq)
    if catalog is None or faq is None:
        return  # their errors are reported already
    kb = KnowledgeBase(catalog, faq)
    known = {p.id for p in catalog.products}
    path = loaded.path(FILE)
    for i, entry in enumerate(faq.entries):
        for product in entry.products:
            if product not in known:
                report.warning(
                    path,
                    f"entries.{i}.products",
                    f"{product!r} is not a product id in catalog/products.yaml",
                    "use an id from products.yaml, or remove it",
                )
        for lang in LANGS:
            question = entry.question.get(lang)
            hits = kb.search(question, lang, k=1)
            key = f"{entry.id}.question.{lang}"
            fix = "put its key words in the question or alternatives, or reword the other entry"
            if not hits:
                report.warning(path, key, "its own question finds nothing", fix)
            elif (hits[0].kind, hits[0].id) != ("faq", entry.id):
                found = f"{hits[0].kind} {hits[0].id!r} ({hits[0].title})"
                report.warning(path, key, f"its own question finds {found} first", fix)
            elif hits[0].score < CONFIDENT:
                report.warning(
                    path,
                    key,
                    f"its own question scores {hits[0].score:.2f}, below the {CONFIDENT} the "
                    "bot needs to answer it directly",
                    "say the question in words customers use, and add alternatives",
                )
