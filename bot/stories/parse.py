"""Reading story files: YAML in, ``Story`` values out, every problem as one line (#15).

A business author edits these files by hand, so a mistake is reported with the file, the
story, the step and what is wrong, all problems at once, never as a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.stories.model import (
    NOTHING,
    Action,
    Check,
    Click,
    Expectation,
    RepSays,
    Resolve,
    Say,
    Step,
    Story,
    Wait,
)
from crm_store.clock import parse_instant
from dialogs.core.content import Content

STORY_KEYS = ("name", "steps", "expect", "now", "channel", "language", "user_name", "pending")
STEP_KEYS = ("user", "click", "bot", "wait", "rep", "resolve")
CHECK_KEYS = ("contains", "not_contains", "buttons", "flow", "intent", "status", "none")
WAIT_UNITS = ("days", "hours", "minutes", "seconds")
# Fields every store has; the lead form's and the survey's own names are added per business.
LEAD_FIELDS = frozenset(
    {"status", "score", "product_interest", "estimated_value", "source_channel", "campaign"}
)
RECORD_FIELDS: dict[str, frozenset[str]] = {
    "booking": frozenset({"at", "ends", "status", "rep", "timezone"}),
    "contact": frozenset(
        {"name", "email", "phone", "company", "language", "timezone", "opted_out", "erased"}
    ),
    "conversation": frozenset({"status", "language", "rep"}),
    "survey": frozenset({"status", "trigger"}),
}


class StoryError(ValueError):
    """One line: where (file, story, step) and what is wrong."""


@dataclass(frozen=True)
class Vocabulary:
    """The names a business's stories may use beyond the built-in ones."""

    lead_fields: frozenset[str] = frozenset()  # lead form field names (config/lead_form.yaml)
    survey_fields: frozenset[str] = frozenset()  # survey question ids and kinds


def vocabulary_of(content: Content) -> Vocabulary:
    survey = content.survey.questions
    return Vocabulary(
        lead_fields=frozenset(f.name for f in content.lead_form.fields),
        survey_fields=frozenset({q.id for q in survey} | {q.kind for q in survey}),
    )


def story_files(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """The YAML files named, folders searched recursively, in a stable order."""
    files: list[Path] = []
    errors: list[str] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
            if not found:
                errors.append(f"{path}: no story files (*.yaml) in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            errors.append(f"{path}: no such file or folder")
    return files, errors


def load_stories(paths: Iterable[Path], vocabulary: Vocabulary) -> tuple[list[Story], list[str]]:
    """Every story in ``paths``, and every problem found (one line each)."""
    files, errors = story_files(paths)
    stories: list[Story] = []
    for file in files:
        found, problems = parse_file(file, vocabulary)
        stories.extend(found)
        errors.extend(problems)
    return stories, errors


def parse_file(path: Path, vocabulary: Vocabulary) -> tuple[list[Story], list[str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return [], [f"{path}: {where}not valid YAML: {problem}"]
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{path}: cannot read: {exc}"]
    if not isinstance(data, dict) or "stories" not in data or set(data) - {"stories", "now"}:
        return [], [
            f"{path}: expected a mapping with stories: (a list of stories) and, optionally, "
            "now: (the instant every story of the file starts at, unless it says otherwise)"
        ]
    if not isinstance(data["stories"], list) or not data["stories"]:
        return [], [f"{path}: stories: expected a non-empty list"]
    stories: list[Story] = []
    errors: list[str] = []
    seen: set[str] = set()
    default_now = data.get("now")
    for index, raw in enumerate(data["stories"], start=1):
        label = f"story #{index}"
        if default_now is not None and isinstance(raw, dict) and "now" not in raw:
            raw = {**raw, "now": default_now}
        if isinstance(raw, dict) and isinstance(raw.get("name"), str) and raw["name"].strip():
            label = f'story "{raw["name"].strip()}"'
        try:
            story = _story(path, raw, vocabulary, errors, f"{path}: {label}")
        except StoryError as exc:
            errors.append(f"{path}: {label}: {exc}")
            continue
        if story is None:
            continue
        if story.name in seen:
            errors.append(f"{path}: {label}: another story in this file has the same name")
        seen.add(story.name)
        stories.append(story)
    return stories, errors


def _story(
    path: Path, raw: Any, vocabulary: Vocabulary, errors: list[str], where: str
) -> Story | None:
    if not isinstance(raw, dict):
        raise StoryError("expected a mapping (name:, steps:, ...)")
    unknown = sorted(set(map(str, raw)) - set(STORY_KEYS))
    if unknown:
        raise StoryError(f"unknown key {unknown[0]!r} (expected one of {', '.join(STORY_KEYS)})")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise StoryError("name: required, a text")
    steps_raw = raw.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise StoryError("steps: required, a non-empty list")
    steps: list[Step] = []
    for number, step in enumerate(steps_raw, start=1):
        try:
            steps.append(Step(number, _action(step)))
        except StoryError as exc:
            errors.append(f"{where}: step {number}: {exc}")
    expect = _expectations(raw.get("expect"), vocabulary)
    now = raw.get("now")
    if now is not None:
        try:
            now = parse_instant(str(now))
        except ValueError as exc:
            raise StoryError(f"now: {exc}") from None
    channel = _text(raw.get("channel", "webchat"), "channel")
    language = raw.get("language")
    if language is not None and language not in ("en", "zh"):
        raise StoryError(f"language: expected en or zh, not {language!r}")
    pending = raw.get("pending")
    if pending is not None and (not isinstance(pending, str) or not pending.strip()):
        raise StoryError("pending: expected the reason, as a text")
    user_name = raw.get("user_name")
    if len(steps) != len(steps_raw):
        return None  # its step errors are reported; the story cannot run
    return Story(
        name=name.strip(),
        source=path,
        steps=tuple(steps),
        expect=expect,
        now=now,
        channel=channel,
        language=language,
        user_name=None if user_name is None else _text(user_name, "user_name"),
        pending=pending.strip() if pending else None,
    )


def _action(raw: Any) -> Action:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise StoryError(f"expected one of {', '.join(k + ':' for k in STEP_KEYS)}")
    [(key, value)] = raw.items()
    if key == "user":
        return Say(_text(value, "user"))
    if key == "click":
        return Click(_text(value, "click"))
    if key == "rep":
        if isinstance(value, dict):
            if not set(value) <= {"text", "name"} or "text" not in value:
                raise StoryError("rep: expected a text, or {text: ..., name: REP NAME}")
            name = value.get("name")
            return RepSays(_text(value["text"], "rep: text"), name and _text(name, "rep: name"))
        return RepSays(_text(value, "rep"))
    if key == "bot":
        return _check(value)
    if key == "wait":
        return _wait(value)
    if key == "resolve":
        if value is True:
            return Resolve()
        if isinstance(value, dict) and set(value) == {"name"}:
            return Resolve(_text(value["name"], "resolve: name"))
        raise StoryError("resolve: expected true or {name: REP NAME or E-MAIL}")
    raise StoryError(f"unknown step {key!r} (expected one of {', '.join(STEP_KEYS)})")


def _check(value: Any) -> Check:
    if isinstance(value, str):
        return Check(contains=(value,))  # ``bot: "text"`` is the common case
    if not isinstance(value, dict) or not value:
        raise StoryError(f"bot: expected a text or a mapping with {', '.join(CHECK_KEYS)}")
    unknown = sorted(set(map(str, value)) - set(CHECK_KEYS))
    if unknown:
        raise StoryError(f"bot: unknown check {unknown[0]!r} (expected {', '.join(CHECK_KEYS)})")
    silent = value.get("none", False)
    if not isinstance(silent, bool):
        raise StoryError("bot: none: expected true or false")
    if silent and len(value) > 1:
        raise StoryError("bot: none: true cannot be combined with other checks")
    return Check(
        contains=_texts(value.get("contains"), "bot: contains"),
        not_contains=_texts(value.get("not_contains"), "bot: not_contains"),
        buttons=_texts(value.get("buttons"), "bot: buttons"),
        flow=_maybe_none(value, "flow"),
        intent=_maybe_none(value, "intent"),
        status=_text(value["status"], "bot: status") if "status" in value else None,
        silent=silent,
    )


def _maybe_none(value: dict[str, Any], key: str) -> str | None:
    if key not in value:
        return None
    given = value[key]
    if given is None or (isinstance(given, str) and given.strip().lower() == "none"):
        return NOTHING
    return _text(given, f"bot: {key}")


def _wait(value: Any) -> Wait:
    if not isinstance(value, dict) or not value:
        raise StoryError("wait: expected e.g. {minutes: 90} or {until: 2025-03-13T14:45:00+08:00}")
    if "until" in value:
        if len(value) > 1:
            raise StoryError("wait: until cannot be combined with days/hours/minutes")
        try:
            return Wait(until=parse_instant(str(value["until"])))
        except ValueError as exc:
            raise StoryError(f"wait: until: {exc}") from None
    unknown = sorted(set(map(str, value)) - set(WAIT_UNITS))
    if unknown:
        raise StoryError(f"wait: unknown unit {unknown[0]!r} (expected {', '.join(WAIT_UNITS)})")
    amounts = {}
    for unit, amount in value.items():
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
            raise StoryError(f"wait: {unit}: expected a number of at least 0")
        amounts[unit] = amount
    return Wait(delta=timedelta(**amounts))


def _expectations(raw: Any, vocabulary: Vocabulary) -> tuple[Expectation, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise StoryError("expect: expected a mapping (lead:, booking:, survey:, contact: ...)")
    fields = {
        **RECORD_FIELDS,
        "lead": LEAD_FIELDS | vocabulary.lead_fields,
        "survey": RECORD_FIELDS["survey"] | vocabulary.survey_fields,
    }
    out: list[Expectation] = []
    for record, wanted in raw.items():
        if record == "unanswered":
            if isinstance(wanted, bool) or not isinstance(wanted, int) or wanted < 0:
                raise StoryError("expect: unanswered: expected a count (0 or more)")
            out.append(Expectation("unanswered", (("count", wanted),)))
            continue
        if record not in fields:
            known = ", ".join([*sorted(fields), "unanswered"])
            raise StoryError(f"expect: unknown record {record!r} (expected one of {known})")
        if wanted is None or wanted == "none":
            out.append(Expectation(record, absent=True))
            continue
        if not isinstance(wanted, dict) or not wanted:
            raise StoryError(f"expect: {record}: expected a mapping of fields, or none")
        unknown = sorted(set(map(str, wanted)) - fields[record])
        if unknown:
            allowed = ", ".join(sorted(fields[record]))
            raise StoryError(f"expect: {record}: unknown field {unknown[0]!r} (known: {allowed})")
        if "at" in wanted or "ends" in wanted:
            for key in ("at", "ends"):
                if key in wanted:
                    try:
                        parse_instant(str(wanted[key]))
                    except ValueError as exc:
                        raise StoryError(f"expect: {record}: {key}: {exc}") from None
        out.append(Expectation(record, tuple((str(k), v) for k, v in wanted.items())))  # type: ignore[arg-type]
    return tuple(out)


def _text(value: Any, what: str) -> str:
    # YAML reads ``user: 12`` as a number; the customer typed the text "12".
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise StoryError(f"{what}: expected a text (put it in quotes)")
    text = str(value)
    if not text.strip():
        raise StoryError(f"{what}: must not be empty")
    return text


def _texts(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(_text(item, what) for item in items)
