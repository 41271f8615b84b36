"""The weekly digest for the managers' channel: CSAT, NPS, leads and the top open questions.

``build_weekly_digest(uow, now, settings)`` returns the text (a plain-text fallback, e.g. for
notifications) and channel-neutral ``content`` (``fields``, ``sections``, ``links``) for the
Slack renderer. The numbers come from the same functions as the dashboard and the CLI, over
the seven days before ``now``, with last week's for comparison. The scheduler runs it as
the recurring task "digest.weekly" at ``scheduler.digest_weekday``/``digest_time`` in the
business time zone (``bot.scheduler``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.reports.kpi_data import Scope, leads_created, sales_kpis
from bot.reports.service import unanswered_report
from bot.reports.stats import Window
from bot.reports.surveys import load_survey_rows, summarize
from dialogs.core.config import ConfigError
from dialogs.core.content import load_content

log = logging.getLogger(__name__)

TOP_QUESTIONS = 5


def _faq_content(settings: Any) -> Any:
    """The business's FAQ (for grouping questions well), or None if it cannot be read."""
    try:
        return load_content(settings.config_dir)
    except (ConfigError, OSError) as exc:
        log.warning("weekly digest: FAQ not loaded, questions grouped without it: %s", exc)
        return None


_TEXT = {
    "en": {
        "title": "Weekly sales digest {since} – {until}",
        "csat": "CSAT",
        "nps": "NPS",
        "leads": "New leads",
        "won": "Won",
        "response": "Survey response rate",
        "pipeline": "Open pipeline",
        "questions": "Top unanswered questions",
        "none": "no answers",
        "answers": "{n} answers",
        "last_week": "last week {value}",
        "asked": "{n}×",
        "open": "Open the dashboard",
    },
    "zh": {
        "title": "每周销售简报 {since} – {until}",
        "csat": "满意度 (CSAT)",
        "nps": "净推荐值 (NPS)",
        "leads": "新线索",
        "won": "成交",
        "response": "问卷回复率",
        "pipeline": "在途商机金额",
        "questions": "未解答问题 Top",
        "none": "暂无回答",
        "answers": "{n} 份回答",
        "last_week": "上周 {value}",
        "asked": "{n} 次",
        "open": "打开管理后台",
    },
}


def _num(value: float | None, suffix: str = "") -> str:
    if value is None:
        return "–"
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"
    return text + suffix


async def build_weekly_digest(
    uow: Any, now: datetime, settings: Any, content: Any = None
) -> tuple[str, dict[str, Any]]:
    """The digest of the week before ``now``: (plain text, content for the staff channel).

    ``content`` (the business's FAQ, for grouping the questions) is read from the
    configuration directory when not given.
    """
    lang = "zh" if settings.business.default_language == "zh" else "en"
    t = _TEXT[lang]
    tz = settings.business.timezone
    week = Window(now - timedelta(days=7), now)
    before = Window(now - timedelta(days=14), week.since)
    scores, sent = await load_survey_rows(uow.session, since=week.since, until=week.until)
    survey = summarize(scores, sent)
    old_scores, old_sent = await load_survey_rows(
        uow.session, since=before.since, until=before.until
    )
    previous = summarize(old_scores, old_sent)
    kpis = await sales_kpis(uow.session, week, now)
    previous_leads = len(await leads_created(uow.session, before, Scope()))
    content = content if content is not None else _faq_content(settings)
    groups = (await unanswered_report(uow.session, week, content))[:TOP_QUESTIONS]

    def answers(n: int) -> str:
        return t["answers"].format(n=n) if n else t["none"]

    fields = [
        {
            "title": t["csat"],
            "value": f"{_num(survey.csat.average)} / 5 ({answers(survey.csat.responses)}); "
            + t["last_week"].format(value=_num(previous.csat.average)),
        },
        {
            "title": t["nps"],
            "value": f"{_num(survey.nps.score)} ({answers(survey.nps.responses)}); "
            + t["last_week"].format(value=_num(previous.nps.score)),
        },
        {
            "title": t["leads"],
            "value": f"{kpis.funnel.count('lead')}; " + t["last_week"].format(value=previous_leads),
        },
        {"title": t["won"], "value": str(kpis.pipeline.won_leads)},
        {"title": t["response"], "value": _num(survey.response_rate, "%")},
        {"title": t["pipeline"], "value": _num(kpis.pipeline.value)},
    ]
    local = ZoneInfo(tz)
    title = t["title"].format(
        since=f"{week.since.astimezone(local):%Y-%m-%d}",
        until=f"{(week.until - timedelta(seconds=1)).astimezone(local):%Y-%m-%d}",
    )
    questions = [{"text": g.text, "count": g.count, "language": g.language} for g in groups]
    lines = [title] + [f"• {f['title']}: {f['value']}" for f in fields]
    if questions:
        lines.append(t["questions"] + ":")
        lines += [
            f"  {i}. {q['text']} ({t['asked'].format(n=q['count'])})"
            for i, q in enumerate(questions, 1)
        ]
    url = settings.server.public_url.rstrip("/") + "/admin/surveys"
    message = {
        "title": title,
        "fields": fields,
        "sections": [{"title": t["questions"], "items": questions}] if questions else [],
        "links": [{"title": t["open"], "url": url}],
        "period": {"since": week.since.isoformat(), "until": week.until.isoformat()},
        "numbers": {
            "csat_average": survey.csat.average,
            "nps_score": survey.nps.score,
            "survey_responses": survey.answered,
            "leads": kpis.funnel.count("lead"),
            "won": kpis.pipeline.won_leads,
            "pipeline_value": kpis.pipeline.value,
        },
    }
    return "\n".join(lines), message
