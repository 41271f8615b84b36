"""Typed survey answers, read with the demo business's words (config/survey.yaml)."""

from __future__ import annotations

import pytest

from dialogs.core.content import Content
from dialogs.flows.survey.answers import (
    AnswerStatus,
    AnswerWords,
    ScoreAnswer,
    is_skip,
    parse_score,
)

OK, OUT, UNCLEAR, NONE = (
    AnswerStatus.OK,
    AnswerStatus.OUT_OF_RANGE,
    AnswerStatus.UNCLEAR,
    AnswerStatus.NONE,
)


@pytest.fixture(scope="module")
def words(content: Content) -> AnswerWords:
    return AnswerWords.from_config(content.survey.answer_words, content.survey.csat_labels)


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        # digits, fractions and sentences
        ("5", "csat", ScoreAnswer(OK, 5)),
        ("4/5", "csat", ScoreAnswer(OK, 4)),
        ("I'd say 8", "nps", ScoreAnswer(OK, 8)),
        ("8 out of 10", "nps", ScoreAnswer(OK, 8)),
        ("0", "nps", ScoreAnswer(OK, 0)),
        ("5 - very satisfied", "csat", ScoreAnswer(OK, 5)),
        # full-width digits and Chinese
        ("５", "csat", ScoreAnswer(OK, 5)),
        ("１０", "nps", ScoreAnswer(OK, 10)),
        ("五", "csat", ScoreAnswer(OK, 5)),
        ("两", "csat", ScoreAnswer(OK, 2)),
        ("十", "nps", ScoreAnswer(OK, 10)),
        ("我给9分", "nps", ScoreAnswer(OK, 9)),
        ("非常满意", "csat", ScoreAnswer(OK, 5)),
        ("非常不满意", "csat", ScoreAnswer(OK, 1)),
        ("一般", "csat", ScoreAnswer(OK, 3)),
        # English words, any case, labels from the buttons
        ("five", "csat", ScoreAnswer(OK, 5)),
        ("Ten!", "nps", ScoreAnswer(OK, 10)),
        ("zero", "nps", ScoreAnswer(OK, 0)),
        ("Very Satisfied", "csat", ScoreAnswer(OK, 5)),
        ("very unsatisfied", "csat", ScoreAnswer(OK, 1)),
        ("satisfied", "csat", ScoreAnswer(OK, 4)),
        # out of range
        ("7", "csat", ScoreAnswer(OUT, 7)),
        ("0", "csat", ScoreAnswer(OUT, 0)),
        ("11", "nps", ScoreAnswer(OUT, 11)),
        ("eleven", "nps", ScoreAnswer(OUT, 11)),
        ("十一", "nps", ScoreAnswer(OUT, 11)),
        ("-1", "nps", ScoreAnswer(OUT, -1)),
        # unclear: the bot asks again rather than guess
        ("between 7 and 8", "nps", ScoreAnswer(UNCLEAR)),
        ("1-5", "csat", ScoreAnswer(UNCLEAR)),
        ("4.5", "csat", ScoreAnswer(UNCLEAR)),
        ("not satisfied", "csat", ScoreAnswer(UNCLEAR)),
        ("wasn't very satisfied", "csat", ScoreAnswer(UNCLEAR)),
        ("不太满意", "csat", ScoreAnswer(UNCLEAR)),
        ("very satisfied", "nps", ScoreAnswer(UNCLEAR)),  # a feeling, not a 0-10 score
        ("非常满意", "nps", ScoreAnswer(UNCLEAR)),
        # nothing that looks like an answer
        ("asdf qwer", "csat", ScoreAnswer(NONE)),
        ("someone told me", "csat", ScoreAnswer(NONE)),  # "one" only as a whole word
        ("how much is the Cam 4K?", "csat", ScoreAnswer(NONE)),  # "4K" is a name
        ("", "nps", ScoreAnswer(NONE)),
    ],
)
def test_parse_score(text: str, kind: str, expected: ScoreAnswer, words: AnswerWords) -> None:
    assert parse_score(text, kind, words) == expected


def test_masked_spans_are_ignored(words: AnswerWords) -> None:
    text = "is the Speak 2 any good"
    assert parse_score(text, "csat", words).value == 2
    start = text.index("Speak 2")
    assert parse_score(text, "csat", words, mask=[(start, start + 7)]).status is NONE


def test_words_come_from_the_configuration() -> None:
    words = AnswerWords.from_config(
        {"en": {"great": 5, "meh": 3}}, {"en": ("awful", "bad", "ok", "good", "superb")}
    )
    assert parse_score("great", "csat", words) == ScoreAnswer(OK, 5)
    assert parse_score("meh", "nps", words) == ScoreAnswer(OK, 3)
    assert parse_score("superb", "csat", words) == ScoreAnswer(OK, 5)  # a button label
    assert parse_score("five", "csat", words).status is NONE  # not configured here


@pytest.mark.parametrize(
    ("text", "skip"),
    [("skip", True), ("Skip!", True), ("跳过。", True), ("  SKIP ", True), ("skip it", False)],
)
def test_is_skip(text: str, skip: bool) -> None:
    assert is_skip(text, ["Skip", "跳过"]) is skip
