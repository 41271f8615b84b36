"""Survey answers and the CSAT/NPS summary: the pure computation and ``/api/v1/surveys``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.reports.surveys import (
    ScoreRow,
    SentRow,
    summarize,
    summarize_by,
    summarize_nps,
)
from tests.api.conftest import Api

V1 = "/api/v1/surveys"
T = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # Monday 18:30 in New York


def test_nps_counts_and_score() -> None:
    # 10 answers: 5 promoters, 2 passives, 3 detractors -> NPS 20.
    nps = summarize_nps([10, 9, 9, 10, 9, 8, 7, 6, 0, 3])
    assert (nps.promoters, nps.passives, nps.detractors, nps.score) == (5, 2, 3, 20.0)
    assert nps.distribution["9"] == 3 and sum(nps.distribution.values()) == 10
    assert summarize_nps([0, 6]).score == -100.0 and summarize_nps([]).score is None


def test_summary_and_grouping() -> None:
    scores = [
        ScoreRow("csat", 5, "webchat", 1, T),
        ScoreRow("csat", 4, "telegram", 2, T + timedelta(days=1)),
        ScoreRow("csat", 1, "webchat", None, T + timedelta(days=8)),
        ScoreRow("nps", 10, "webchat", 1, T),
        ScoreRow("comment", None, "webchat", 1, T),
    ]
    sent = [SentRow("webchat", 1, T, True), SentRow("webchat", None, T, False)]
    overall = summarize(scores, sent)
    assert (overall.sent, overall.answered, overall.response_rate, overall.comments) == (
        2,
        1,
        50.0,
        1,
    )
    assert overall.csat.average == 3.33 and overall.csat.satisfied_pct == 66.7
    assert overall.csat.distribution == {"1": 1, "2": 0, "3": 0, "4": 1, "5": 1}
    assert overall.nps.score == 100.0 and overall.nps.responses == 1
    by_channel = summarize_by(scores, sent, "channel")
    assert list(by_channel) == ["telegram", "webchat"]
    assert by_channel["telegram"].sent == 0 and by_channel["telegram"].response_rate is None
    assert list(summarize_by(scores, sent, "rep")) == ["1", "2", "none"]
    # Periods are in the business time zone: 23:30 UTC is still Monday in New York.
    days = summarize_by(scores, sent, "day", "America/New_York")
    assert list(days) == ["2026-03-02", "2026-03-03", "2026-03-10"]
    assert list(summarize_by(scores, sent, "week", "America/New_York")) == ["2026-W10", "2026-W11"]
    assert list(summarize_by(scores, sent, "month")) == ["2026-03"]


async def test_responses_list_filters_and_rep_scope(api: Api) -> None:
    everything = (await api.get(f"{V1}/responses")).json()
    assert everything["total"] == 5
    csat = (await api.get(f"{V1}/responses", kind="csat")).json()
    assert sorted(r["score"] for r in csat["items"]) == [2, 5]
    telegram = (await api.get(f"{V1}/responses", channel="telegram")).json()
    assert {r["contact_id"] for r in telegram["items"]} == {api.seed.contacts["carl"]}
    mine = (await api.get(f"{V1}/responses", who="rep1")).json()
    assert mine["total"] == 3 and {r["rep_id"] for r in mine["items"]} == {api.seed.rep1}
    assert (await api.get(f"{V1}/responses", who="rep1", rep_id=api.seed.rep2)).status_code == 403
    assert (await api.get(f"{V1}/responses", kind="stars")).status_code == 422
    paged = (await api.get(f"{V1}/responses", limit=2, offset=4)).json()
    assert len(paged["items"]) == 1 and paged["next_offset"] is None


async def test_summary_overall_grouped_and_filtered(api: Api) -> None:
    body = (await api.get(f"{V1}/summary")).json()
    overall = body["overall"]
    assert (overall["sent"], overall["answered"], overall["response_rate"]) == (3, 2, 66.7)
    assert overall["csat"] == {
        "responses": 2,
        "average": 3.5,
        "satisfied_pct": 50.0,
        "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1},
    }
    nps = overall["nps"]
    assert (nps["promoters"], nps["passives"], nps["detractors"], nps["score"]) == (1, 0, 1, 0.0)
    assert body["groups"] == [] and body["timezone"] == "America/New_York"
    by_rep = (await api.get(f"{V1}/summary", group_by="rep")).json()["groups"]
    assert [g["key"] for g in by_rep] == [str(api.seed.rep1), str(api.seed.rep2)]
    assert by_rep[1]["summary"]["sent"] == 2 and by_rep[1]["summary"]["csat"]["average"] == 2.0
    webchat = (await api.get(f"{V1}/summary", channel="webchat")).json()["overall"]
    assert webchat["csat"]["average"] == 5.0 and webchat["sent"] == 2
    rep2 = (await api.get(f"{V1}/summary", who="rep2")).json()
    assert rep2["rep_id"] == api.seed.rep2 and rep2["overall"]["nps"]["score"] == -100.0
    later = (await api.get(f"{V1}/summary", since="2026-04-01")).json()["overall"]
    assert later["sent"] == 0 and later["csat"]["average"] is None
    assert (await api.get(f"{V1}/summary", group_by="year")).status_code == 422
