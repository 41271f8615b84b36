"""What ``salesbot test`` prints: a line per story, the diverging turn of a failure, totals;
or, with ``--json``, the same as one document for CI tools."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bot.stories.model import StoryResult

_LABEL = {"passed": "PASS", "failed": "FAIL", "pending": "PENDING"}


def story_lines(result: StoryResult) -> list[str]:
    """One line for a pass; for a failure, where and how it went another way."""
    story = result.story
    lines = [f"{_LABEL[result.status]:<8}{story.title}  ({result.seconds:.1f}s)"]
    failure = result.failure
    if failure is None:
        return lines
    if result.status == "pending":
        lines.append(f"        pending: {story.pending}")
    where = f"step {failure.step}" if failure.step is not None else "at the end"
    lines.append(f"        {where}: {failure.expected}")
    if failure.actual:
        lines.append("        got:")
        lines.extend(f"          {line}" for line in failure.actual)
    return lines


def summary(results: list[StoryResult], seconds: float) -> str:
    counts = Counter(r.status for r in results)
    parts = [f"{counts['passed']} passed", f"{counts['failed']} failed"]
    if counts["pending"]:
        parts.append(f"{counts['pending']} pending")
    return f"{', '.join(parts)} in {seconds:.1f}s"


def as_json(results: list[StoryResult], seconds: float) -> dict[str, Any]:
    counts = Counter(r.status for r in results)
    return {
        "passed": counts["passed"],
        "failed": counts["failed"],
        "pending": counts["pending"],
        "seconds": round(seconds, 2),
        "stories": [
            {
                "name": r.story.name,
                "file": str(r.story.source),
                "status": r.status,
                "passed": r.status == "passed",
                "turn": r.failure.step if r.failure else None,
                "reason": r.reason,
                "actual": list(r.failure.actual) if r.failure else [],
            }
            for r in results
        ],
    }
