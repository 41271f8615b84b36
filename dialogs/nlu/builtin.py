"""Built-in intents every business gets, merged with its own NLU data at training time (#16).

``builtin/<lang>.yml`` teaches the business-agnostic intents (greet, thanks, talk_to_human,
cancel, complain, out_of_scope...), so a business never copies them. In its own file:

- an intent of the same name adds its examples to the built-in ones;
- ``replace: true`` on that intent's item uses the business's examples alone;
- an example text the business files under another intent is taken out of the built-in
  data (the business knows what its customers mean by it).

``salesbot nlu evaluate`` does not merge: benchmarks train on the given file alone.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from dialogs.nlu.data import Example, load_examples

BUILTIN_DIR = Path(__file__).parent / "builtin"


def builtin_examples(lang: str) -> list[Example]:
    path = BUILTIN_DIR / f"{lang}.yml"
    return load_examples(path) if path.exists() else []


def business_examples(path: Path, lang: str) -> list[Example]:
    """The business's examples of ``path`` merged with the built-in ones of ``lang``."""
    own = load_examples(path)
    return merge(builtin_examples(lang), own, replaced_intents(path))


def merge(builtin: list[Example], own: list[Example], replaced: set[str]) -> list[Example]:
    taken = {_key(e.text) for e in own}
    kept = [e for e in builtin if e.intent not in replaced and _key(e.text) not in taken]
    return own + kept


def replaced_intents(path: Path) -> set[str]:
    """Intents marked ``replace: true`` in a Rasa NLU file (CSV data replaces nothing)."""
    if path.suffix.lower() not in (".yml", ".yaml"):
        return set()
    # Already read and validated by load_examples: a malformed file never gets here.
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        str(item["intent"]).strip()
        for item in doc.get("nlu", [])
        if isinstance(item, dict) and "intent" in item and item.get("replace") is True
    }


def _key(text: str) -> str:
    return " ".join(text.casefold().split())
