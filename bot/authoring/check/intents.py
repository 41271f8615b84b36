"""Warnings about the NLU data measured against what the bot does: intents no flow acts on,
intents the flows act on that no data teaches, thin intents, intents in one language only;
and how well each language's data does in cross-validation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from bot.authoring.check.files import Loaded
from bot.authoring.check.report import Report
from dialogs.core.behaviours import FILE, parse_behaviours
from dialogs.core.config import ConfigError, read_yaml
from dialogs.core.content import Faq
from dialogs.core.routes import Routes
from dialogs.manager import DialogManager
from dialogs.nlu.crossval import cross_validate
from dialogs.nlu.data import Example
from dialogs.understanding import OUT_OF_SCOPE

MIN_EXAMPLES = 10


def check_behaviours(loaded: Loaded, manager: DialogManager, report: Report) -> Routes:
    """Every problem in ``intents.yaml``; the routes the bot would use (the file's valid
    entries over the built-in ones), so the intent checks count its mappings."""
    path = loaded.directory / FILE
    if not path.exists():
        return manager.routes
    try:
        raw = read_yaml(path)
    except ConfigError as exc:
        report.error(exc.source, exc.key, exc.problem, "fix the YAML (see config/README.md)")
        return manager.routes
    faq = loaded.model("catalog/faq.yaml", Faq)
    entries = faq.entries if faq else ()
    behaviours, problems = parse_behaviours(
        raw, str(path), {e.id for e in entries}, {e.topic for e in entries}
    )
    problems += behaviours.unknown_flows(manager.flows)
    for problem in problems:
        report.error(problem.source, problem.key, problem.problem, _BEHAVIOUR_FIX)
    bad = {p.key.split(".", 1)[0] for p in problems}
    good = {i: r for i, r in behaviours.routes.items() if i not in bad}
    return manager.routes.overridden(intents=good)


_BEHAVIOUR_FIX = "see intents.yaml in config/README.md"


def check_intents(loaded: Loaded, routes: Routes, report: Report) -> None:
    counts = {lang: Counter(e.intent for e in data) for lang, data in loaded.examples.items()}
    if not counts:
        return
    everywhere = set().union(*counts.values())
    routed = {intent: route.flow for intent, route in routes.intents.items()}
    for lang, counted in counts.items():
        path = loaded.path(f"nlu/{lang}.yml")
        for intent, n in sorted(counted.items()):
            if intent != OUT_OF_SCOPE and intent not in routed:
                report.warning(
                    path,
                    intent,
                    "no behaviour: no flow starts on this intent, so its messages get the "
                    "fallback answer",
                    f"map it in {FILE} ({intent}: {{start: <flow>}}), rename it to one the "
                    f"bot acts on ({_sample(routed)}), or remove it",
                )
            if n < MIN_EXAMPLES:
                report.warning(
                    path,
                    intent,
                    f"only {n} example{'s' if n != 1 else ''}: the bot will often miss it",
                    f"add varied examples, at least {MIN_EXAMPLES}",
                )
        for intent in sorted(everywhere - set(counted)):
            others = ", ".join(f"nlu/{x}.yml" for x in counts if intent in counts[x])
            report.warning(
                path,
                intent,
                f"only in {others}: messages in this language never reach it",
                "add examples here too, or remove it there",
            )
    first = loaded.path(f"nlu/{next(iter(counts))}.yml")
    for intent in sorted(set(routed) - everywhere):
        report.warning(
            first,
            intent,
            f"no examples in any language: the {routed[intent]} flow starts on it, but the "
            "bot never recognises it",
            f"add at least {MIN_EXAMPLES} examples in each language",
        )


def measure(examples: Mapping[str, list[Example]], report: Report) -> None:
    """Cross-validated accuracy per language (see ``dialogs.nlu.crossval``)."""
    for lang, data in examples.items():
        try:
            result = cross_validate(data, lang, oos_label=OUT_OF_SCOPE)
        except ValueError:  # fewer than two intents: reported by the intent checks
            report.nlu[lang] = None
            continue
        report.nlu[lang] = result.accuracy
        report.nlu_seconds += result.seconds


def _sample(routed: Mapping[str, str]) -> str:
    names = sorted(routed)
    return ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
