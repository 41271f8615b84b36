"""The values the NLU hands to the dialog manager; importable without loading spaCy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Entity:
    label: str  # email | phone | url | money | date | datetime | product
    text: str  # as written
    value: Any  # normalised: str, Money, date, aware datetime, product id
    start: int  # character offsets into the message
    end: int


@dataclass(frozen=True, slots=True)
class NluResult:
    intent: str | None  # None: out of scope (route to the fallback)
    confidence: float  # calibrated probability of the best in-scope intent
    ranking: tuple[tuple[str, float], ...]  # best in-scope intents first (at most 10)
    entities: tuple[Entity, ...]
    language: str

    @classmethod
    def empty(cls, language: str) -> NluResult:
        return cls(None, 0.0, (), (), language)
