"""Reading configuration files with errors that name the file, the key and the problem.

A business edits YAML by hand; an error like "validation error for Settings" sends them
hunting. Every failure here reads ``<file>: <dotted.key>: <what is wrong>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """A configuration problem a person can fix by editing one place."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {problem}")


def read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(str(path), "", "file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(str(path), "", f"malformed YAML: {at}{problem}") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "", "not UTF-8 text") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(str(path), "", "the top level must be a mapping of keys to values")
    return data


@dataclass(frozen=True)
class Problem:
    """One validation error, said the way a person edits the file: where, what, how to fix."""

    key: str
    problem: str
    fix: str


# How to fix the commonest pydantic error types; anything else points at the comments.
_FIXES = {
    "extra_forbidden": "remove it, or correct its spelling",
    "missing": "add it",
    "literal_error": "use one of the values listed",
    "enum": "use one of the values listed",
    "int_parsing": "write a whole number",
    "int_type": "write a whole number",
    "int_from_float": "write a whole number",
    "float_parsing": "write a number without units or commas",
    "float_type": "write a number without units or commas",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "string_type": 'write a text (in "double quotes" if it has a colon)',
    "dict_type": "write a mapping of keys to values (key: value, indented below)",
    "list_type": "write a list ([a, b] or one '- item' per line)",
    "tuple_type": "write a list ([a, b] or one '- item' per line)",
    "too_short": "add at least one entry",
    "greater_than_equal": "use a larger number",
    "less_than_equal": "use a smaller number",
    "string_pattern_mismatch": "use only the characters the comment at the top allows",
    "string_too_long": "shorten it",
}


_INNER_KEY = re.compile(r"^([a-z_][a-zA-Z0-9_.-]*): ")


def problems_of(exc: ValidationError) -> list[Problem]:
    """Every error pydantic found, not only the first: a person fixes them in one pass."""
    errors = exc.errors()
    found = []
    for err in errors:
        loc = err["loc"]
        if err["type"] == "too_short" and any(
            e is not err and e["loc"][: len(loc)] == loc for e in errors
        ):
            continue  # "no products" only because the one product is broken: not news
        key = ".".join(str(p) for p in loc)
        msg = err["msg"].removeprefix("Value error, ")
        # A check across keys names the key it is about first ("plans.0.per: ..."): report it
        # there, like every other error, rather than at the model that ran the check.
        inner = _INNER_KEY.match(msg)
        if inner:
            key = ".".join(k for k in (key, inner[1]) if k)
            msg = msg[inner.end() :]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        fix = _FIXES.get(
            err["type"], "see the comments at the top of the file and config/README.md"
        )
        found.append(Problem(key, msg, fix))
    return found


def first_error(source: str, exc: ValidationError) -> ConfigError:
    found = problems_of(exc)
    first = found[0]
    msg = first.problem
    if msg == "unknown key":
        msg += " (check the spelling; see the configuration reference in README.md)"
    count = len(found)  # not exc.error_count(): "no products" after a broken one is no news
    if count > 1:
        msg += f" (and {count - 1} more problem{'s' if count > 2 else ''})"
    return ConfigError(source, first.key, msg)


def validate(model: type[M], data: Any, source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise first_error(source, exc) from None


def load_model(model: type[M], path: Path) -> M:
    return validate(model, read_yaml(path), str(path))
