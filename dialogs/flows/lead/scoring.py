"""Lead scoring from the rules in config/lead_form.yaml.

Every matching rule adds its points; a lead at or above the threshold is qualified. A rule
on a question that was skipped never matches (not even ``ne``): no answer is not evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from dialogs.core.content import Scoring, ScoringRule


@dataclass(frozen=True)
class LeadScore:
    points: int
    qualified: bool
    matched: tuple[int, ...]  # indexes of the rules that matched, for explaining a score


def score_lead(answers: Mapping[str, Any], scoring: Scoring) -> LeadScore:
    matched = tuple(i for i, rule in enumerate(scoring.rules) if rule_matches(rule, answers))
    points = sum(scoring.rules[i].points for i in matched)
    return LeadScore(points, points >= scoring.threshold, matched)


def rule_matches(rule: ScoringRule, answers: Mapping[str, Any]) -> bool:
    answer = answers.get(rule.field)
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return False
    op = rule.op
    if op == "present":
        return True
    if op in ("eq", "ne"):
        same = _same(answer, rule.value)
        return same if op == "eq" else not same
    if op == "in":
        options = rule.value if isinstance(rule.value, list) else [rule.value]
        return any(_same(answer, option) for option in options)
    left, right = _number(answer), _number(rule.value)
    if left is None or right is None:
        return False
    if op == "gte":
        return left >= right
    if op == "gt":
        return left > right
    if op == "lte":
        return left <= right
    return left < right  # "lt"


def _same(answer: Any, expected: Any) -> bool:
    left, right = _number(answer), _number(expected)
    if left is not None and right is not None:
        return left == right
    return str(answer).strip().casefold() == str(expected).strip().casefold()


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
