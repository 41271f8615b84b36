"""Survey numbers on the hand-checked store: overall, per channel/language/trigger, answers."""

from __future__ import annotations

import csv
import io

from bot.reports import tables
from bot.reports.comments import load_answers, nps_category
from bot.reports.service import survey_report
from bot.reports.stats import Window
from crm_store.database import Database
from crm_store.uow import UnitOfWork
from tests.reports.known import EXPECTED, TZ, Known


async def test_survey_summary_matches_the_hand_checked_numbers(
    db: Database, known: Known, period: Window
) -> None:
    async with UnitOfWork(db) as uow:
        report = await survey_report(
            uow.session, period, timezone=TZ, splits=("channel", "rep", "language", "trigger")
        )
    o = report.overall
    assert (o.sent, o.answered, o.response_rate, o.comments) == tuple(EXPECTED["surveys"].values())
    assert (o.csat.responses, o.csat.average, o.csat.satisfied_pct) == tuple(
        EXPECTED["csat"].values()
    )
    assert (o.nps.responses, o.nps.promoters, o.nps.passives, o.nps.detractors, o.nps.score) == (
        tuple(EXPECTED["nps"].values())
    )
    assert o.csat.distribution == {"1": 0, "2": 1, "3": 1, "4": 3, "5": 3}
    for channel in ("webchat", "telegram"):
        s = report.splits["channel"][channel]
        want = EXPECTED[channel]
        assert (s.sent, s.answered, s.csat.average, s.nps.score) == (
            want["sent"],
            want["answered"],
            want["csat"],
            want["nps"],
        )
    by_language = report.splits["language"]
    assert list(by_language) == ["en", "zh"]
    assert (by_language["zh"].csat.average, by_language["zh"].nps.score) == (4.0, -100.0)
    by_trigger = report.splits["trigger"]
    # follow-ups: CSAT 4, 2, 4 -> 3.33; NPS 9, 6, 0 -> (1 - 2) / 3 = -33.3
    assert (by_trigger["followup"].csat.average, by_trigger["followup"].nps.score) == (
        3.33,
        -33.3,
    )
    assert by_trigger["handoff"].sent == 7 and by_trigger["handoff"].answered == 5
    assert set(report.splits["rep"]) == {str(known.rep1), str(known.rep2)}
    assert list(report.weekly) == ["2026-W06", "2026-W07", "2026-W08"]
    assert sum(w.answered for w in report.weekly.values()) == 8


async def test_filters_narrow_every_number(db: Database, known: Known, period: Window) -> None:
    async with UnitOfWork(db) as uow:
        zh = await survey_report(uow.session, period, timezone=TZ, language="zh")
        mine = await survey_report(uow.session, period, timezone=TZ, rep_id=known.rep1)
        handoffs = await survey_report(uow.session, period, timezone=TZ, trigger="handoff")
    assert (zh.overall.sent, zh.overall.csat.responses) == (1, 1)
    assert mine.overall.sent == 5 and mine.overall.csat.average == 4.5  # 5, 5, 4, 4
    assert handoffs.overall.sent == 7


async def test_answers_list_detractors_first_with_comments(
    db: Database, known: Known, period: Window
) -> None:
    async with UnitOfWork(db) as uow:
        answers = await load_answers(uow.session, since=period.since, until=period.until)
        comments = await load_answers(
            uow.session, since=period.since, until=period.until, comments_only=True
        )
        slow = await load_answers(uow.session, search="SLOW", comments_only=True)
        detractors = await load_answers(uow.session, category="detractor")
    assert len(answers) == 8  # one row per answered survey, not per question
    assert [a.nps for a in answers] == [0, 3, 6, 8, 9, 9, 10, 10]
    assert [c.comment for c in comments] == ["太慢了", "=slow answer", "Great help"]
    assert [(c.csat, c.nps, c.language) for c in comments][0] == (4, 0, "zh")
    assert [c.comment for c in slow] == ["=slow answer"]
    assert [d.nps for d in detractors] == [0, 3, 6]
    assert [nps_category(s) for s in (None, 0, 6, 7, 8, 9, 10)] == [
        "none",
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]

    table = tables.answers_table(comments, {str(known.rep1): "Ann Rep"})
    rows = list(csv.reader(io.StringIO(tables.to_csv(table))))
    assert rows[0][:6] == ["request_id", "answered_at", "category", "csat", "nps", "comment"]
    assert rows[1][5] == "太慢了" and rows[1][7] == "Ann Rep"
    # A comment starting with "=" must not become a spreadsheet formula.
    assert rows[2][5] == "'=slow answer"
