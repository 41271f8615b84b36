"""Loading the NLU for a business: one model per language, trained only when data changed."""

from __future__ import annotations

from pathlib import Path

from crm_store.clock import Clock
from dialogs.core.content import LANGS, Content
from dialogs.nlu import NluModel, NluService, load_or_train
from dialogs.nlu.builtin import business_examples

# Training data may teach what is off-topic under this intent name (Rasa's convention);
# the classifier then treats it as "no intent" rather than as one more intent.
OUT_OF_SCOPE = "out_of_scope"


def load_understanding(
    config_dir: Path,
    model_root: Path,
    content: Content,
    *,
    clock: Clock,
    timezone: str = "UTC",
) -> NluService:
    """Each language in ``config/nlu/<lang>.yml`` merged with the built-in intents
    (``dialogs.nlu.builtin``), loaded from ``model_root/<lang>`` or trained there (never
    downloaded)."""
    products = product_names(content)
    models: dict[str, NluModel] = {}
    for lang in LANGS:
        data = config_dir / "nlu" / f"{lang}.yml"
        if data.exists():
            # Data without the intent trains the same model (the classifier ignores an
            # absent out-of-scope label), so the file is not read twice to find out.
            models[lang] = load_or_train(
                model_root / lang,
                lang,
                business_examples(data, lang),
                products=products,
                timezone=timezone,
                oos_label=OUT_OF_SCOPE,
            )
    return NluService(models, clock=clock, timezone=timezone)


def product_names(content: Content) -> dict[str, list[str]]:
    """Product id -> names and aliases in both languages (customers mix them)."""
    names: dict[str, list[str]] = {}
    for product in content.catalog.products:
        terms = [product.name.en, product.name.zh, *product.aliases.en, *product.aliases.zh]
        names[product.id] = sorted({t for t in terms if t})
    return names
