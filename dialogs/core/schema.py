"""Building blocks shared by every content schema: strict frozen models and bilingual texts."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")


class Strict(BaseModel):
    # A key the engine does not read is a typo a business would never notice: refuse it.
    model_config = ConfigDict(frozen=True, extra="forbid")


class Localized(Strict):
    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class LocalizedList(Strict):
    en: tuple[str, ...] = ()
    zh: tuple[str, ...] = ()

    def get(self, lang: str) -> tuple[str, ...]:
        return self.zh if lang == "zh" else self.en


def unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what}: duplicate id {value!r}")
        seen.add(value)
