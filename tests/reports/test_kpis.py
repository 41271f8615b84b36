"""Sales KPIs on the hand-checked store: funnel, timings, follow-ups, cycle, pipeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.reports import kpis as k
from bot.reports.kpi_data import Scope, sales_kpis
from bot.reports.service import sales_report
from bot.reports.stats import Spread, Window, median, percentile
from crm_store.database import Database
from crm_store.uow import UnitOfWork
from tests.reports.known import EXPECTED, TZ, Known

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def spread(s: Spread) -> tuple[object, ...]:
    return (s.count, s.median, s.p90, s.mean)


def test_median_and_nearest_rank_percentile() -> None:
    assert median([3, 1, 2]) == 2.0 and median([4, 1, 3, 2]) == 2.5 and median([]) is None
    values = list(range(1, 11))  # 1..10
    assert percentile(values, 90) == 9.0  # the 9th of 10 values
    assert percentile(values, 91) == 10.0 and percentile(values, 100) == 10.0
    assert percentile([7], 90) == 7.0 and percentile([], 90) is None
    with pytest.raises(ValueError):
        percentile(values, 0)
    assert Spread.of([1, 2, 3, 4, 5, 6, 7, 8, 9, 30]) == Spread(10, 5.5, 9.0, 7.5)


def test_funnel_counts_skipped_stages_and_losses() -> None:
    t = datetime(2026, 2, 3, tzinfo=UTC)
    leads = [
        k.LeadRow(1, 1, "won", "webchat", None, 1, 10.0, t, {"new": t, "won": t}),
        k.LeadRow(
            2, 2, "meeting_booked", "webchat", None, 1, 5.0, t, {"new": t, "meeting_booked": t}
        ),
        k.LeadRow(3, 3, "lost", "telegram", "x", None, None, t, {"new": t, "lost": t}, "new"),
    ]
    visitors = [k.VisitorRow(c, "webchat", t) for c in (1, 2, 3, 3, 4)]
    f = k.funnel(leads, visitors)
    assert f.visitors == 4 and f.visitor_to_lead_pct == 75.0
    assert [(s.stage, s.count, s.conversion_pct, s.lost) for s in f.steps] == [
        ("lead", 3, 75.0, 1),
        ("qualified", 2, 66.7, 0),  # a lead booked straight from "new" was qualified too
        ("meeting_booked", 2, 100.0, 0),
        ("won", 1, 50.0, 0),
    ]
    by_channel = k.funnel_by(leads, visitors, "channel")
    assert list(by_channel) == ["telegram", "webchat"]
    assert by_channel["webchat"].visitor_to_lead_pct == 50.0  # 2 leads / 4 visitors
    assert k.funnel([], []).lead_to_won_pct is None


async def test_sales_kpis_match_the_hand_checked_numbers(
    db: Database, known: Known, period: Window
) -> None:
    async with UnitOfWork(db) as uow:
        got = await sales_kpis(uow.session, period, NOW)
    assert got.funnel.visitors == EXPECTED["visitors"]
    assert [(s.stage, s.count, s.conversion_pct, s.lost) for s in got.funnel.steps] == EXPECTED[
        "funnel"
    ]
    assert got.funnel.lead_to_won_pct == EXPECTED["lead_to_won_pct"]
    assert spread(got.bot_first_reply_seconds) == EXPECTED["bot_first_reply"]
    assert (*spread(got.human_first_response_minutes), got.handoffs_unanswered) == EXPECTED[
        "human_first_response"
    ]
    assert (*spread(got.claim_minutes), got.cards_unclaimed) == EXPECTED["claim"]
    assert vars(got.follow_ups) == EXPECTED["follow_ups"]
    assert spread(got.sales_cycle_days) == EXPECTED["sales_cycle"]
    assert vars(got.pipeline) == EXPECTED["pipeline"]


async def test_a_rep_sees_only_their_own_work(db: Database, known: Known, period: Window) -> None:
    async with UnitOfWork(db) as uow:
        ann = await sales_kpis(uow.session, period, NOW, Scope(rep_id=known.rep1))
        bob = await sales_kpis(uow.session, period, NOW, Scope(rep_id=known.rep2))
    # Ann owns L1, L3, L5, L7: L1 and L3 won, L7 qualified, L5 lost from new.
    assert [s.count for s in ann.funnel.steps] == [4, 3, 2, 2]
    assert [s.count for s in bob.funnel.steps] == [3, 2, 2, 0]
    # Claims alternate between the reps: Ann 1,3,5,7,9,(unclaimed); Bob 2,4,6,8,30.
    assert spread(ann.claim_minutes) == (5, 5.0, 9.0, 5.0)
    assert spread(bob.claim_minutes) == (5, 6.0, 30.0, 10.0)
    assert ann.follow_ups.held + bob.follow_ups.held == 3
    assert ann.pipeline.value + bob.pipeline.value == 3950.0  # L0 (400) has no owner


async def test_the_period_leaves_out_what_happened_outside_it(db: Database, known: Known) -> None:
    async with UnitOfWork(db) as uow:
        everything = await sales_kpis(uow.session, Window(), NOW)
        nothing = await sales_kpis(
            uow.session, Window(NOW, NOW + timedelta(days=1)), NOW + timedelta(days=1)
        )
    assert everything.funnel.count("lead") == 8 and everything.funnel.visitors == 9
    assert everything.claim_minutes.count == 11  # the card before the period too
    assert nothing.funnel.count("lead") == 0 and nothing.funnel.visitor_to_lead_pct is None
    assert nothing.claim_minutes == Spread(0, None, None, None)
    assert nothing.pipeline.value == 4350.0  # the pipeline is "now", whatever the period


async def test_leads_per_week_by_channel_and_campaign(
    db: Database, known: Known, period: Window
) -> None:
    async with UnitOfWork(db) as uow:
        report = await sales_report(uow.session, period, NOW, timezone=TZ, by="campaign")
    assert report.leads_by_channel == {
        "2026-W06": {"telegram": 2, "webchat": 3},
        "2026-W07": {"telegram": 1, "webchat": 1},
    }
    assert report.leads_by_campaign == {
        "2026-W06": {"none": 2, "spring": 3},
        "2026-W07": {"none": 1, "spring": 1},
    }
    assert sum(sum(day.values()) for day in report.leads_by_day.values()) == 7
    assert {key: f.count("lead") for key, f in report.funnels.items()} == {"none": 3, "spring": 4}
