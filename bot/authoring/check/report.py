"""What ``salesbot check`` found: errors (the bot will not start, or will fail while
talking) and warnings (it runs, but worse than it could), each one line a person can act on.

The JSON shape (``salesbot check --json``) is part of the public surface::

    {"errors": [{"file": ..., "key": ..., "problem": ..., "fix": ...}, ...],
     "warnings": [...same objects...],
     "nlu": {"en": 0.91, "zh": 0.88}}

``key`` is a dotted path in the file (``products.0.plans.0.price``), an intent name for NLU
data, or "" for the whole file; ``nlu`` has each language with training data, ``null`` when
its data could not be evaluated.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    level: Level
    file: str
    key: str
    problem: str
    fix: str

    def line(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{self.level}: {where}: {self.problem} ({self.fix})"

    def as_json(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if k != "level"}


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    nlu: dict[str, float | None] = field(default_factory=dict)  # lang -> CV accuracy
    nlu_seconds: float = 0.0

    def error(self, file: str, key: str, problem: str, fix: str) -> None:
        self.findings.append(Finding("error", file, key, problem, fix))

    def warning(self, file: str, key: str, problem: str, fix: str) -> None:
        self.findings.append(Finding("warning", file, key, problem, fix))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    def as_json(self) -> dict[str, Any]:
        return {
            "errors": [f.as_json() for f in self.errors],
            "warnings": [f.as_json() for f in self.warnings],
            "nlu": dict(self.nlu),
        }

    def lines(self) -> list[str]:
        """Errors first, then warnings, then one summary line."""
        out = [f.line() for f in self.errors + self.warnings]
        scores = ", ".join(
            f"{lang} {'n/a' if score is None else f'{score:.2f}'}"
            for lang, score in self.nlu.items()
        )
        nlu = f"; NLU cross-validation accuracy {scores}" if scores else ""
        out.append(
            f"{_count(len(self.errors), 'error')}, {_count(len(self.warnings), 'warning')}{nlu}"
        )
        return out


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
