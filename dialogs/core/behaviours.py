"""``intents.yaml``: a business's own intent names, each mapped to what the bot does (#16).

One entry per intent, one of four behaviours::

    book_demo: {start: booking, topic: demo}        # start a flow, with its start options
    ask_hours: {answer: support-hours}               # an FAQ entry's answer (id), or a topic
    say_hi:    {reply: {en: "Hi!", zh: "你好！"},
                buttons: [{title: {en: Menu, zh: 菜单}, payload: help}]}
    complain:  {steps: [{reply: {...}}, {start: handoff, reason: complaint}]}

Every behaviour becomes a ``Route``: ``start`` routes to that flow, the others to the
``respond`` flow, which says the replies and answers in order and then hands over to the
flow a last ``start`` step names. The file is optional; its entries replace the built-in
flows' routes for the same intent. Problems are collected, not raised one at a time, so
``salesbot check`` can list all of them; loading raises the first.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialogs.core.config import ConfigError, read_yaml
from dialogs.core.routes import Route

FILE = "intents.yaml"
RESPOND = "respond"  # the flow that plays reply/answer/steps behaviours
_KINDS = ("start", "answer", "reply", "steps")
_LANGS = ("en", "zh")


@dataclass(frozen=True)
class Behaviours:
    """The routes ``intents.yaml`` asks for, and where each came from (for error messages)."""

    source: str = ""
    routes: Mapping[str, Route] = field(default_factory=dict)

    def unknown_flows(self, flows: Collection[str]) -> list[ConfigError]:
        """A ``start`` naming a flow this installation does not run (checked once the flows
        are known: installed packages add their own)."""
        known = ", ".join(sorted(flows))
        errors = []
        for intent, route in sorted(self.routes.items()):
            named = [(f"{intent}.start", route.flow)]
            for i, step in enumerate(route.options.get("steps", ())):
                if "start" in step:
                    named.append((f"{intent}.steps.{i}.start", step["start"]))
            for key, flow in named:
                if flow not in flows:
                    problem = f"no flow named {flow!r} (flows: {known})"
                    errors.append(ConfigError(self.source, key, problem))
        return errors


def load_behaviours(
    config_dir: Path, faq_ids: Collection[str], topics: Collection[str]
) -> Behaviours:
    """``intents.yaml`` in ``config_dir`` (none: no overrides); raises the first problem."""
    path = config_dir / FILE
    if not path.exists():
        return Behaviours(str(path))
    behaviours, problems = parse_behaviours(read_yaml(path), str(path), faq_ids, topics)
    if problems:
        raise problems[0]
    return behaviours


def parse_behaviours(
    raw: Mapping[str, Any], source: str, faq_ids: Collection[str], topics: Collection[str]
) -> tuple[Behaviours, list[ConfigError]]:
    problems: list[ConfigError] = []
    routes: dict[str, Route] = {}
    for intent, spec in raw.items():
        try:
            routes[str(intent)] = _route(str(intent), spec, faq_ids, topics)
        except _Problem as exc:
            problems.append(ConfigError(source, exc.key, exc.problem))
    return Behaviours(source, routes), problems


class _Problem(Exception):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem


def _route(intent: str, spec: Any, faq_ids: Collection[str], topics: Collection[str]) -> Route:
    if not isinstance(spec, Mapping):
        raise _Problem(intent, f"write a mapping with one of {', '.join(_KINDS)}")
    kinds = [k for k in _KINDS if k in spec]
    if len(kinds) != 1:
        raise _Problem(intent, f"needs exactly one of {', '.join(_KINDS)}, found {kinds or 'none'}")
    if "start" in spec:
        flow = spec["start"]
        if not isinstance(flow, str) or not flow:
            raise _Problem(f"{intent}.start", "write a flow's name")
        return Route(flow, {str(k): v for k, v in spec.items() if k != "start"})
    if "steps" in spec:
        extra = set(spec) - {"steps"}
        if extra:
            raise _Problem(f"{intent}.{sorted(extra)[0]}", "unknown key beside steps")
        steps = spec["steps"]
        if not isinstance(steps, list) or not steps:
            raise _Problem(f"{intent}.steps", "write a list of steps (reply, answer or start)")
        parsed = [_step(f"{intent}.steps.{i}", s, faq_ids, topics) for i, s in enumerate(steps)]
        for i, step in enumerate(parsed[:-1]):
            if "start" in step:
                # A flow takes over the conversation: nothing after it would be said.
                problem = "only the last step may start a flow or answer a topic"
                raise _Problem(f"{intent}.steps.{i}", problem)
        return Route(RESPOND, {"steps": tuple(parsed)})
    return Route(RESPOND, {"steps": (_step(intent, spec, faq_ids, topics),)})


def _step(key: str, spec: Any, faq_ids: Collection[str], topics: Collection[str]) -> dict[str, Any]:
    if not isinstance(spec, Mapping):
        raise _Problem(key, "write a mapping with reply, answer or start")
    if "start" in spec:
        flow = spec["start"]
        if not isinstance(flow, str) or not flow:
            raise _Problem(f"{key}.start", "write a flow's name")
        return {"start": flow, "options": {str(k): v for k, v in spec.items() if k != "start"}}
    if "answer" in spec:
        extra = set(spec) - {"answer"}
        if extra:
            raise _Problem(f"{key}.{sorted(extra)[0]}", "unknown key beside answer")
        target = spec["answer"]
        if target in faq_ids:
            return {"answer": target}
        if target in topics:
            # Q&A searches the topic with the customer's words: it takes the turn over.
            return {"start": "qa", "options": {"topic": target}}
        raise _Problem(
            f"{key}.answer",
            f"no FAQ entry or topic named {target!r} (topics: {', '.join(sorted(topics))})",
        )
    if "reply" in spec:
        extra = set(spec) - {"reply", "buttons"}
        if extra:
            raise _Problem(f"{key}.{sorted(extra)[0]}", "unknown key (reply takes buttons)")
        buttons = spec.get("buttons", [])
        if not isinstance(buttons, list):
            raise _Problem(f"{key}.buttons", "write a list of {title: {en, zh}, payload}")
        parsed = []
        for i, button in enumerate(buttons):
            if not isinstance(button, Mapping) or not button.get("payload"):
                raise _Problem(f"{key}.buttons.{i}", "needs a title {en, zh} and a payload")
            title = _localized(f"{key}.buttons.{i}.title", button.get("title"))
            parsed.append({"title": title, "payload": str(button["payload"])})
        return {"reply": _localized(f"{key}.reply", spec["reply"]), "buttons": tuple(parsed)}
    raise _Problem(key, "needs one of reply, answer or start")


def _localized(key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise _Problem(key, "write the text in both languages: {en: ..., zh: ...}")
    for lang in _LANGS:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            raise _Problem(f"{key}.{lang}", "missing (every text comes in en and zh)")
    extra = set(value) - set(_LANGS)
    if extra:
        raise _Problem(f"{key}.{sorted(extra)[0]}", "unknown language (en and zh only)")
    return {lang: value[lang] for lang in _LANGS}
