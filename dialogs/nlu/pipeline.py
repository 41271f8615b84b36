"""Build, run, save and load one language's NLU pipeline.

``spacy.blank(lang)`` + ``salesbot_entities`` + ``salesbot_intent``, saved with spaCy's own
``to_disk`` next to a small meta file holding the training-data fingerprint, so a server start
reuses the saved model until the business edits its training data. Nothing is downloaded.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import spacy
from spacy.language import Language

from dialogs.nlu.classifier import IntentClassifier
from dialogs.nlu.data import Example, data_fingerprint, load_examples
from dialogs.nlu.entities import EntityExtractor
from dialogs.nlu.language import detect_language
from dialogs.nlu.types import NluResult

log = logging.getLogger(__name__)

# Bump when features or the saved layout change, so older saved models are retrained.
MODEL_FORMAT = 1
META_FILE = "salesbot_nlu.json"
Products = Mapping[str, Iterable[str]] | Sequence[Sequence[str]]
_PHONE_REGION = {"en": "US", "zh": "CN"}


def _product_rows(products: Products | None) -> list[list[str]]:
    if not products:
        return []
    if isinstance(products, Mapping):
        return [[str(key), *(str(n) for n in names)] for key, names in products.items()]
    return [[str(x) for x in row] for row in products]


def build_pipeline(
    lang: str,
    examples: Sequence[Example],
    *,
    products: Products | None = None,
    validation: Sequence[Example] | None = None,
    oos_label: str | None = None,
    threshold: float | None = None,
    phone_region: str | None = None,
) -> Language:
    """A trained pipeline. ``products``: ``{id: [name, alias, ...]}``; ``validation`` (with
    ``oos_label`` examples if any) calibrates confidences and picks the out-of-scope threshold;
    an explicit ``threshold`` wins."""
    nlp = spacy.blank(lang)
    nlp.add_pipe(
        "salesbot_entities",
        config={
            "products": _product_rows(products),
            "phone_region": phone_region or _PHONE_REGION.get(lang, "US"),
        },
    )
    classifier = nlp.add_pipe("salesbot_intent", config={"oos_label": oos_label})
    assert isinstance(classifier, IntentClassifier)
    classifier.train(examples, validation, threshold=threshold)
    return nlp


class NluModel:
    def __init__(self, nlp: Language, *, fingerprint: str = "", timezone: str = "UTC") -> None:
        self.nlp = nlp
        self.fingerprint = fingerprint
        self.timezone = ZoneInfo(timezone)
        self.classifier: IntentClassifier = nlp.get_pipe("salesbot_intent")  # type: ignore[assignment]
        self.entities: EntityExtractor = nlp.get_pipe("salesbot_entities")  # type: ignore[assignment]

    @classmethod
    def train(
        cls, lang: str, examples: Sequence[Example], *, timezone: str = "UTC", **options: Any
    ) -> NluModel:
        """Train on ``examples``; ``options`` as for :func:`build_pipeline`."""
        nlp = build_pipeline(lang, examples, **options)
        return cls(nlp, fingerprint=data_fingerprint(examples), timezone=timezone)

    @property
    def lang(self) -> str:
        return self.nlp.lang

    @property
    def threshold(self) -> float:
        return self.classifier.threshold

    @property
    def intents(self) -> tuple[str, ...]:
        return tuple(x for x in self.classifier.labels if x != self.classifier.oos_label)

    def set_products(self, products: Products) -> None:
        self.entities.set_products(_product_rows(products))

    def parse(
        self, text: str, *, now: datetime | None = None, timezone: str | None = None
    ) -> NluResult:
        """Intent and entities of one message.

        Dates are resolved against ``now`` in ``timezone`` (default: the model's); without
        ``now`` no dates are extracted, since reading the wall clock here would make the
        same message mean different things in tests and in replays.
        """
        language = detect_language(text) or self.lang
        if not text.strip():
            return NluResult.empty(language)
        doc = self.nlp.make_doc(text)
        if now is not None:
            zone = ZoneInfo(timezone) if timezone else self.timezone
            doc._.salesbot_now = (
                now.replace(tzinfo=zone) if now.tzinfo is None else now.astimezone(zone)
            )
        for _, component in self.nlp.pipeline:
            doc = component(doc)
        decision = doc._.salesbot_intent
        return NluResult(
            decision.intent,
            decision.confidence,
            decision.ranking,
            doc._.salesbot_entities or (),
            language,
        )

    def save(self, path: Path) -> None:
        """Write to ``path`` via a sibling temporary directory, so readers never see half."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        self.nlp.to_disk(staging)
        meta = {
            "format": MODEL_FORMAT,
            "lang": self.lang,
            "fingerprint": self.fingerprint,
            "oos_label": self.classifier.oos_label,
            "threshold": self.threshold,
            "saved_at_unix": int(time.time()),
        }
        (staging / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        old = path.with_name(f".{path.name}.old-{os.getpid()}")
        if path.exists():
            path.rename(old)
        staging.rename(path)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(
        cls, path: Path, *, products: Products | None = None, timezone: str = "UTC"
    ) -> NluModel:
        path = Path(path)
        meta = read_meta(path)
        if meta is None:
            raise FileNotFoundError(f"{path}: no saved NLU model ({META_FILE} missing)")
        model = cls(spacy.load(path), fingerprint=meta.get("fingerprint", ""), timezone=timezone)
        if products is not None:
            model.set_products(products)
        return model


def read_meta(path: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((Path(path) / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def load_or_train(
    model_dir: Path,
    lang: str,
    data: Path | list[Example],
    *,
    products: Products | None = None,
    oos_label: str | None = None,
    timezone: str = "UTC",
) -> NluModel:
    """The saved model when it was trained on the same data, else a freshly trained one
    (saved for next time). ``data`` is a file or examples already merged (the fingerprint
    covers whatever is trained on). Raises :class:`NluDataError` for unusable training data."""
    examples = load_examples(data) if isinstance(data, Path) else data
    fingerprint = data_fingerprint(examples)
    meta = read_meta(model_dir)
    expected = {"format": MODEL_FORMAT, "lang": lang, "fingerprint": fingerprint}
    if (
        meta
        and all(meta.get(k) == v for k, v in expected.items())
        and (meta.get("oos_label") == oos_label)
    ):
        try:
            return NluModel.load(model_dir, products=products, timezone=timezone)
        except Exception:  # noqa: BLE001 - whatever broke the saved model, retraining fixes it
            log.warning("saved NLU model in %s is unreadable; retraining", model_dir, exc_info=True)
    model = NluModel.train(
        lang, examples, products=products, oos_label=oos_label, timezone=timezone
    )
    model.save(model_dir)
    return model


class _Clock(Protocol):
    def now(self) -> datetime: ...


class NluService:
    """The per-language models behind one ``parse(text, lang)``, with time from a clock."""

    def __init__(
        self, models: Mapping[str, NluModel], *, clock: _Clock, timezone: str = "UTC"
    ) -> None:
        if not models:
            raise ValueError("NluService needs at least one language model")
        self.models = dict(models)
        self.clock = clock
        self.timezone = timezone

    def parse(self, text: str, lang: str) -> NluResult:
        model = self.models.get(lang) or next(iter(self.models.values()))
        return model.parse(text, now=self.clock.now(), timezone=self.timezone)
