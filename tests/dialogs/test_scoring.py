"""Lead scoring rules (config/lead_form.yaml) and the qualification threshold."""

from __future__ import annotations

import pytest

from dialogs.core.content import Content, Scoring, ScoringRule
from dialogs.flows.lead.scoring import rule_matches, score_lead


def rule(op: str, value: object = None, field: str = "x", points: int = 10) -> ScoringRule:
    return ScoringRule(field=field, op=op, value=value, points=points)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("op", "value", "answer", "matches"),
    [
        ("eq", "lt1m", "lt1m", True),
        ("eq", "lt1m", "LT1M", True),
        ("eq", "lt1m", "exploring", False),
        ("eq", 5, "5", True),
        ("ne", "exploring", "lt1m", True),
        ("ne", "exploring", "exploring", False),
        ("gte", 5, 5, True),
        ("gte", 5, 4, False),
        ("gt", 5, 5, False),
        ("gt", 5, 6, True),
        ("lte", 5, 5, True),
        ("lt", 5, 5, False),
        ("lt", 5, 2, True),
        ("gte", 5000, "25000", True),
        ("gte", 5, "lots", False),
        ("present", None, "Acme", True),
        ("present", None, "   ", False),
        ("in", ["bar", "board"], "board", True),
        ("in", ["bar", "board"], "hub", False),
    ],
)
def test_operators(op: str, value: object, answer: object, matches: bool) -> None:
    assert rule_matches(rule(op, value), {"x": answer}) is matches


@pytest.mark.parametrize("op", ["eq", "ne", "gte", "lt", "present", "in"])
def test_an_unanswered_question_never_matches(op: str) -> None:
    assert rule_matches(rule(op, ["a"] if op == "in" else 1), {}) is False
    assert rule_matches(rule(op, ["a"] if op == "in" else 1), {"x": None}) is False


def test_points_add_up_and_the_threshold_is_inclusive() -> None:
    scoring = Scoring(
        threshold=40,
        rules=(
            rule("gte", 5, "rooms", 30),
            rule("gte", 20, "rooms", 15),
            rule("present", None, "company", 10),
        ),
    )
    assert score_lead({"rooms": 5, "company": "Acme"}, scoring).points == 40
    assert score_lead({"rooms": 5, "company": "Acme"}, scoring).qualified
    assert score_lead({"rooms": 20, "company": "Acme"}, scoring).matched == (0, 1, 2)
    low = score_lead({"rooms": 4, "company": "Acme"}, scoring)
    assert (low.points, low.qualified) == (10, False)


def test_the_demo_rules(content: Content) -> None:
    scoring = content.lead_form.scoring
    hot = {
        "rooms": 25,
        "timeline": "lt1m",
        "budget": 30000,
        "company": "Acme",
        "phone": "+16175550100",
        "product_interest": "bar",
    }
    # 30 + 15 (rooms) + 25 (timeline) + 15 + 10 (budget) + 10 + 5 + 5
    assert score_lead(hot, scoring).points == 115
    assert score_lead(hot, scoring).qualified
    cold = {"rooms": 2, "timeline": "exploring"}
    assert score_lead(cold, scoring).points == 0
    assert not score_lead(cold, scoring).qualified
    edge = {"rooms": 5, "timeline": "1to3m", "budget": 5000}  # 30 + 15 + 15
    assert score_lead(edge, scoring).points == scoring.threshold == 60
    assert score_lead(edge, scoring).qualified
