"""Grouping unanswered questions by similarity (en, zh) and drafting FAQ entries from them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import yaml

from bot.reports.service import unanswered_report
from bot.reports.stats import Window
from bot.reports.unanswered import (
    Question,
    draft_faq_entry,
    draft_faq_yaml,
    faq_background,
    group_questions,
)
from crm_store.database import Database
from crm_store.uow import UnitOfWork
from dialogs.core.content import Content, FaqEntry
from tests.reports.known import Known

T = datetime(2026, 2, 10, tzinfo=UTC)
ASKED = [
    ("Do you ship to Brazil?", "en"),
    ("Is there a student discount?", "en"),
    ("do you ship to brazil", "en"),
    ("可以寄到巴西吗", "zh"),
    ("Can you deliver to Brazil?", "en"),
    ("student discount?", "en"),
    ("能发货到巴西吗", "zh"),
    ("Can I pay with bitcoin?", "en"),
    ("有学生折扣吗", "zh"),
    ("Do you offer discounts for students", "en"),
    ("   ", "en"),  # nothing to group
]


def questions() -> list[Question]:
    return [
        Question(
            i,
            text,
            lang,
            "shipping-regions" if "razil" in text else None,
            100 + i,
            T + timedelta(hours=i),
        )
        for i, (text, lang) in enumerate(ASKED, start=1)
    ]


def test_paraphrases_group_together_per_language(content: Content) -> None:
    groups = group_questions(questions(), background=faq_background(content))
    summary = [(g.key, g.language, g.count) for g in groups]
    # Most asked first; between equal counts, the most recently asked first.
    assert summary == [
        ("en-2", "en", 3),  # student discount x3, last asked at 10:00
        ("en-1", "en", 3),  # Brazil x3, last asked at 05:00
        ("zh-4", "zh", 2),  # 巴西 x2
        ("zh-9", "zh", 1),
        ("en-8", "en", 1),
    ]
    brazil = groups[1]
    assert set(brazil.examples) == {
        "Do you ship to Brazil?",
        "do you ship to brazil",
        "Can you deliver to Brazil?",
    }
    assert brazil.question_ids == (1, 3, 5) and brazil.conversation_ids == (101, 103, 105)
    assert brazil.best_guess == "shipping-regions"
    assert brazil.first_at == T + timedelta(hours=1) and brazil.last_at == T + timedelta(hours=5)
    # A high threshold keeps only identical wordings together.
    assert len(group_questions(questions(), threshold=0.99)) == 10


def test_a_group_becomes_a_valid_draft_faq_entry(content: Content) -> None:
    groups = group_questions(questions(), background=faq_background(content))
    brazil = groups[1]
    entry = draft_faq_entry(brazil, content)
    FaqEntry.model_validate(entry)  # the same model config/catalog/faq.yaml is loaded with
    assert entry["id"].startswith("draft-") and entry["topic"] == "shipping"  # from best guess
    assert entry["question"]["en"] == brazil.text
    assert entry["question"]["zh"].startswith("TODO")
    assert len(entry["alternatives"]["en"]) == 2 and entry["answer"]["en"].startswith("TODO")

    snippet = draft_faq_yaml(groups, content)
    assert snippet.startswith("# Draft FAQ entries")
    entries = yaml.safe_load(snippet)["entries"]
    assert len(entries) == 5 and len({e["id"] for e in entries}) == 5
    for e in entries:
        FaqEntry.model_validate(e)
    zh = next(e for e in entries if e["question"]["zh"] == "可以寄到巴西吗")
    assert zh["alternatives"]["zh"] == ["能发货到巴西吗"] and zh["question"]["en"].startswith(
        "TODO"
    )


async def test_grouping_from_the_store_with_rep_scope(
    db: Database, known: Known, content: Content
) -> None:
    async with UnitOfWork(db) as uow:
        groups = await unanswered_report(uow.session, Window(), content)
        for_bob = await unanswered_report(uow.session, Window(), content, rep_id=known.rep2)
        for_ann = await unanswered_report(uow.session, Window(), content, rep_id=known.rep1)
    assert [(g.language, g.count) for g in groups] == [("en", 2), ("en", 1), ("zh", 1)]
    # The questions were asked in conversation 0, which was handed off to Ann.
    assert for_bob == [] and len(for_ann) == 3
