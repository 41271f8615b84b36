"""Natural-language understanding: one spaCy pipeline per language (en, zh).

``NluModel.parse(text, now=...)`` gives the intent (None when out of scope), calibrated
confidences and rule-based entities; ``load_or_train`` reuses a saved model until the training
data changes. See DESIGN.md ("NLU") and BENCHMARKS.md for how the classifier was chosen.

Names are imported on first use: ``detect_language`` should not cost a spaCy import.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "IntentClassifier": "classifier",
    "IntentDecision": "classifier",
    "Example": "data",
    "NluDataError": "data",
    "data_fingerprint": "data",
    "load_examples": "data",
    "find_dates": "dates",
    "Entity": "types",
    "EntityExtractor": "entities",
    "extract_entities": "entities",
    "EvalReport": "evaluation",
    "evaluate": "evaluation",
    "detect_language": "language",
    "language_switch_request": "language",
    "language_of_hint": "language",
    "Money": "money",
    "find_money": "money",
    "DEFAULT_THRESHOLD": "oos",
    "NluModel": "pipeline",
    "NluResult": "types",
    "NluService": "pipeline",
    "build_pipeline": "pipeline",
    "load_or_train": "pipeline",
}
__all__ = [
    "DEFAULT_THRESHOLD",
    "Entity",
    "EntityExtractor",
    "EvalReport",
    "Example",
    "IntentClassifier",
    "IntentDecision",
    "Money",
    "NluDataError",
    "NluModel",
    "NluResult",
    "NluService",
    "build_pipeline",
    "data_fingerprint",
    "detect_language",
    "evaluate",
    "extract_entities",
    "find_dates",
    "find_money",
    "language_of_hint",
    "language_switch_request",
    "load_examples",
    "load_or_train",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from dialogs.nlu.classifier import IntentClassifier, IntentDecision
    from dialogs.nlu.data import Example, NluDataError, data_fingerprint, load_examples
    from dialogs.nlu.dates import find_dates
    from dialogs.nlu.entities import EntityExtractor, extract_entities
    from dialogs.nlu.evaluation import EvalReport, evaluate
    from dialogs.nlu.language import (
        detect_language,
        language_of_hint,
        language_switch_request,
    )
    from dialogs.nlu.money import Money, find_money
    from dialogs.nlu.oos import DEFAULT_THRESHOLD
    from dialogs.nlu.pipeline import (
        NluModel,
        NluService,
        build_pipeline,
        load_or_train,
    )
    from dialogs.nlu.types import Entity, NluResult
