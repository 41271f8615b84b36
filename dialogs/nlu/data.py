"""Training examples for the intent classifier: Rasa NLU YAML or ``text,label`` CSV.

Rasa's format is accepted so that Rasa users can bring their data unchanged; CSV is what the
public benchmarks ship. Only intents are read: entity annotations are stripped to their text
because entities come from rules, not from a learned tagger.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class NluDataError(ValueError):
    """Training data that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str


# Rasa inline annotations: [value](entity), [value]{"entity": ...}, [value][{"entity": ...}]
_ANNOTATION = re.compile(r"\[([^\]\n]+)\](?:\([^)\n]*\)|\{[^}\n]*\}|\[\{[^\n]*?\}\])")
_LIST_ITEM = re.compile(r"^\s*-\s?(.*)$")
_IGNORED_ITEMS = ("synonym", "regex", "lookup")


def strip_annotations(text: str) -> str:
    return _ANNOTATION.sub(r"\1", text)


def load_examples(path: Path) -> list[Example]:
    """Read Rasa NLU YAML (``.yml``/``.yaml``) or CSV with a ``text,label`` header."""
    path = Path(path)
    if not path.is_file():
        raise NluDataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _load_csv(path)
    if suffix in (".yml", ".yaml"):
        return _load_yaml(path)
    raise NluDataError(f"{path}: unknown format {suffix or '(no extension)'}; use .yml or .csv")


def _load_yaml(path: Path) -> list[Example]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise NluDataError(f"{path}: not valid YAML ({_first_line(exc)})") from None
    if not isinstance(doc, dict) or "nlu" not in doc:
        raise NluDataError(f"{path}: missing top-level 'nlu' key (Rasa NLU YAML format)")
    items = doc["nlu"]
    if not isinstance(items, list):
        raise NluDataError(f"{path}: 'nlu' must be a list of '- intent: ...' items")
    examples: list[Example] = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise NluDataError(f"{path}: nlu item {position} is not a mapping")
        if "intent" not in item:
            if any(key in item for key in _IGNORED_ITEMS):
                continue
            raise NluDataError(f"{path}: nlu item {position} has no 'intent' key")
        intent = str(item["intent"]).strip()
        if not intent:
            raise NluDataError(f"{path}: nlu item {position} has an empty intent name")
        texts = _example_texts(item.get("examples"))
        if not texts:
            raise NluDataError(f"{path}: intent '{intent}' has no examples")
        examples.extend(Example(text, intent) for text in texts)
    if not examples:
        raise NluDataError(f"{path}: no intents with examples under 'nlu'")
    return examples


def _example_texts(raw: Any) -> list[str]:
    # Rasa writes examples as a block string of "- text" lines; a YAML list is tolerated.
    if isinstance(raw, str):
        lines = [m.group(1) for line in raw.splitlines() if (m := _LIST_ITEM.match(line))]
    elif isinstance(raw, list):
        lines = [str(x.get("text", "")) if isinstance(x, dict) else str(x) for x in raw]
    else:
        lines = []
    texts = (strip_annotations(line).strip() for line in lines)
    return [text for text in texts if text]


def _load_csv(path: Path) -> list[Example]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [h.strip().lower() for h in next(reader, [])]
            if header[:2] != ["text", "label"]:
                found = ",".join(header) or "(empty file)"
                raise NluDataError(f"{path}: CSV header must be 'text,label', found '{found}'")
            examples = []
            for line_no, row in enumerate(reader, start=2):
                if not row or not any(cell.strip() for cell in row):
                    continue
                if len(row) < 2 or not row[0].strip() or not row[1].strip():
                    raise NluDataError(f"{path}: line {line_no} needs both text and label")
                examples.append(Example(row[0].strip(), row[1].strip()))
    except UnicodeDecodeError as exc:
        raise NluDataError(f"{path}: not UTF-8 text ({_first_line(exc)})") from None
    except csv.Error as exc:
        raise NluDataError(f"{path}: malformed CSV ({exc})") from None
    if not examples:
        raise NluDataError(f"{path}: no examples after the header")
    return examples


def data_fingerprint(examples: Iterable[Example]) -> str:
    """Order-independent sha256 of the examples: equal data gives an equal fingerprint."""
    digest = hashlib.sha256()
    # JSON escapes newlines and quotes, so one line per example cannot be forged by another.
    for line in sorted(json.dumps([e.intent, e.text], ensure_ascii=False) for e in examples):
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
