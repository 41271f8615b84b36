"""The pages: charts with tables beside them, CSV for every table, leads changes, FAQ drafts,
and the Chinese UI."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import yaml
from sqlalchemy import select

from crm_store.models import AuditLog, Lead
from dialogs.core.content import FaqEntry
from tests.dashboard.conftest import Site

PERIOD = "since=2026-02-02&until=2026-03-02"
EXPORTS = {
    "/admin/surveys": [
        "surveys",
        "surveys_per_week",
        "csat_distribution",
        "nps_distribution",
        "nps_breakdown",
        "comments",
        "survey_answers",
    ],
    "/admin/kpis": [
        "funnel",
        "funnel_split",
        "leads_per_week",
        "leads_per_week_campaign",
        "leads_per_day",
        "timings",
        "follow_ups",
        "pipeline",
    ],
    "/admin/conversations": ["conversations"],
    "/admin/unanswered": ["unanswered"],
    "/admin/leads": ["leads"],
}


def charts_of(html: str) -> list[dict[str, object]]:
    block = re.search(
        r'<script type="application/json" id="chart-specs">(.*?)</script>', html, re.S
    )
    assert block
    return json.loads(block.group(1))


def table_names(html: str) -> list[str]:
    return re.findall(r'data-table="([a-z_]+)"', html)


def rows(csv_text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))


async def test_every_table_exports_as_csv(site: Site) -> None:
    root = await site.open("root")
    for page, names in EXPORTS.items():
        html = (await root.http.get(f"{page}?{PERIOD}")).text
        assert set(names) <= set(table_names(html)) | {"funnel_split"}, page
        for name in names:
            response = await root.http.get(f"{page}?{PERIOD}&export={name}")
            assert response.status_code == 200, (page, name)
            assert response.headers["content-type"].startswith("text/csv")
            assert f'filename="{name}.csv"' in response.headers["content-disposition"]
            assert len(rows(response.text)[0]) >= 2, (page, name)
    audit = await root.http.get("/admin/audit?export=audit_log")
    assert rows(audit.text)[0] == ["at", "actor", "action", "target", "detail"]
    transcript = await root.http.get(
        f"/admin/conversations/{site.known.conversations[0]}?export=transcript"
    )
    assert [r[2] for r in rows(transcript.text)[1:]] == ["customer", "bot", "agent"]
    listed = rows((await root.http.get(f"/admin/conversations?{PERIOD}&export=conversations")).text)
    assert listed[0][0] == "conversation_id" and listed[0][-1] == "messages"
    counts = {r[0]: r[-1] for r in listed[1:]}
    assert counts[str(site.known.conversations[0])] == "3"  # the transcript's three lines


async def test_surveys_page_has_charts_beside_tables_and_comments_detractors_first(
    site: Site,
) -> None:
    boss = await site.open("boss")
    html = (await boss.http.get(f"/admin/surveys?{PERIOD}&by=language")).text
    charts = {c["id"]: c for c in charts_of(html)}
    assert set(charts) == {
        "csat-distribution",
        "nps-breakdown",
        "weekly-scores",
        "weekly-response-rate",
        "split-nps",
    }
    assert charts["nps-breakdown"]["datasets"][0]["data"] == [4, 1, 3]
    assert charts["csat-distribution"]["datasets"][0]["data"] == [0, 1, 1, 3, 3]
    assert charts["split-nps"]["labels"] == ["en", "zh"]
    for chart_id in charts:
        assert f'data-chart="{chart_id}"' in html
    assert '<script src="/admin/static/vendor/chart.umd.js"' in html
    comments = rows((await boss.http.get(f"/admin/surveys?{PERIOD}&export=comments")).text)
    assert [r[2] for r in comments[1:]] == ["detractor", "detractor", "promoter"]
    detractors = rows(
        (await boss.http.get(f"/admin/surveys?{PERIOD}&category=promoter&export=comments")).text
    )
    assert [r[5] for r in detractors[1:]] == ["Great help"]
    assert f'href="/admin/conversations/{site.known.conversations[7]}"' in html


async def test_kpis_page(site: Site) -> None:
    boss = await site.open("boss")
    html = (await boss.http.get(f"/admin/kpis?{PERIOD}&by=rep")).text
    charts = {c["id"]: c for c in charts_of(html)}
    assert charts["funnel"]["datasets"][0]["data"] == [8, 7, 5, 4, 2]
    assert charts["leads-per-week"]["labels"] == ["2026-W06", "2026-W07"]
    split = rows((await boss.http.get(f"/admin/kpis?{PERIOD}&by=rep&export=funnel_split")).text)
    assert {r[0] for r in split[1:]} == {"all", "Ann Rep", "Bob Rep"}


async def test_a_manager_changes_status_and_owner(site: Site) -> None:
    boss = await site.open("boss")
    l6, l1 = site.known.leads["L6"], site.known.leads["L1"]
    response = await boss.post(
        f"/admin/leads/{l6}/status", {"status": "qualified", "f_status": "new"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/leads?status=new&updated={l6}"
    response = await boss.post(f"/admin/leads/{l6}/owner", {"owner": str(site.known.rep1)})
    assert response.status_code == 303
    # Won is final: the pipeline rules refuse, the page says why.
    response = await boss.post(f"/admin/leads/{l1}/status", {"status": "new"})
    page = await boss.http.get(response.headers["location"])
    assert "not changed" in page.text and "cannot go from" in page.text
    async with site.runtime.uow() as uow:
        lead = await uow.session.get(Lead, l6)
        assert lead is not None and (lead.status, lead.owner_rep_id) == (
            "qualified",
            site.known.rep1,
        )
        transitions = await uow.leads.transitions(l6)
        assert (transitions[-1].to_status, transitions[-1].actor) == ("qualified", "user:boss")
        audit = (await uow.session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    assert [(a.action, a.detail) for a in audit[-2:]] == [
        ("lead.status", {"from": "new", "to": "qualified"}),
        ("lead.owner", {"from": site.known.rep2, "to": site.known.rep1}),
    ]


async def test_unanswered_groups_and_faq_drafts(site: Site) -> None:
    boss = await site.open("boss")
    html = (await boss.http.get(f"/admin/unanswered?{PERIOD}")).text
    keys = re.findall(r'data-group="([a-z]+-\d+)"', html)
    assert len(keys) == 3 and "2×" in html
    draft = await boss.http.get(f"/admin/unanswered/faq.yaml?{PERIOD}&group={keys[0]}")
    assert draft.status_code == 200 and "attachment" in draft.headers["content-disposition"]
    [entry] = yaml.safe_load(draft.text)["entries"]
    FaqEntry.model_validate(entry)
    assert entry["question"]["en"].lower() == "do you ship to brazil?"
    everything = yaml.safe_load((await boss.http.get("/admin/unanswered/faq.yaml?since=")).text)
    assert len(everything["entries"]) == 3
    missing = await boss.http.get("/admin/unanswered/faq.yaml?group=en-999999")
    assert missing.status_code == 404


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_ui_speaks_english_and_chinese(site: Site, lang: str) -> None:
    boss = await site.open("boss")
    response = await boss.http.get(f"/admin/lang/{lang}?next=/admin/kpis")
    assert response.status_code == 303 and response.headers["location"] == "/admin/kpis"
    html = (await boss.http.get(f"/admin/kpis?{PERIOD}")).text
    if lang == "zh":
        assert "销售指标" in html and "转化漏斗" in html and 'lang="zh-CN"' in html
    else:
        assert "Sales KPIs" in html and "转化漏斗" not in html
    # CSV headers stay machine names whatever the UI language.
    assert rows((await boss.http.get(f"/admin/kpis?{PERIOD}&export=funnel")).text)[0][0] == "group"
