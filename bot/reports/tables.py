"""Report results as tables: the rows the dashboard shows and exports and the CLI prints.

One function per table; each takes a computed result (never the database), so the HTML
table, the CSV download and ``salesbot report --format csv`` are the same rows. Column names
are stable machine names (CSV headers); the dashboard translates them for display.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.reports.comments import AnswerRow
from bot.reports.kpis import Funnel, SalesKpis
from bot.reports.stats import Spread
from bot.reports.surveys import SurveySummary
from bot.reports.unanswered import QuestionGroup

# Times stay datetimes: CSV and the terminal get ISO 8601 (UTC, seconds), the dashboard shows
# them in the business time zone.
Cell = str | int | float | datetime | None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def _label(key: str, labels: Mapping[str, str] | None) -> str:
    return (labels or {}).get(key, key)


SURVEY_COLUMNS = (
    "group",
    "sent",
    "answered",
    "response_rate_pct",
    "csat_responses",
    "csat_average",
    "csat_satisfied_pct",
    "nps_responses",
    "promoters",
    "passives",
    "detractors",
    "nps_score",
    "comments",
)


def _survey_row(key: str, s: SurveySummary) -> tuple[Cell, ...]:
    return (
        key,
        s.sent,
        s.answered,
        s.response_rate,
        s.csat.responses,
        s.csat.average,
        s.csat.satisfied_pct,
        s.nps.responses,
        s.nps.promoters,
        s.nps.passives,
        s.nps.detractors,
        s.nps.score,
        s.comments,
    )


def survey_table(
    overall: SurveySummary,
    groups: Mapping[str, SurveySummary] | None = None,
    labels: Mapping[str, str] | None = None,
    name: str = "surveys",
) -> Table:
    """The overall row ("all") followed by one row per group."""
    rows = [_survey_row("all", overall)]
    rows += [_survey_row(_label(k, labels), v) for k, v in (groups or {}).items()]
    return Table(name, SURVEY_COLUMNS, tuple(rows))


def nps_breakdown_table(summary: SurveySummary) -> Table:
    """Promoters, passives and detractors with their shares, and the score they give."""
    n = summary.nps
    rows = [
        (group, count, round(100 * count / n.responses, 1) if n.responses else None)
        for group, count in (
            ("promoters", n.promoters),
            ("passives", n.passives),
            ("detractors", n.detractors),
        )
    ]
    rows.append(("nps_score", None, n.score))
    return Table("nps_breakdown", ("item", "count", "pct"), tuple(rows))


def distribution_table(name: str, distribution: Mapping[str, int]) -> Table:
    return Table(name, ("score", "count"), tuple((k, v) for k, v in distribution.items()))


def answers_table(
    rows: Iterable[AnswerRow],
    labels: Mapping[str, str] | None = None,
    name: str = "survey_answers",
) -> Table:
    """One row per answered survey (CSAT, NPS and comment together)."""
    columns = (
        "request_id",
        "answered_at",
        "category",
        "csat",
        "nps",
        "comment",
        "channel",
        "rep",
        "language",
        "trigger",
        "conversation_id",
        "contact_id",
    )
    out = [
        (
            r.request_id,
            r.at,
            r.category,
            r.csat,
            r.nps,
            r.comment,
            r.channel,
            _label(str(r.rep_id), labels) if r.rep_id is not None else None,
            r.language,
            r.trigger,
            r.conversation_id,
            r.contact_id,
        )
        for r in rows
    ]
    return Table(name, columns, tuple(out))


FUNNEL_COLUMNS = ("group", "visitors", "stage", "count", "conversion_pct", "lost_at_stage")


def funnel_table(
    overall: Funnel,
    groups: Mapping[str, Funnel] | None = None,
    labels: Mapping[str, str] | None = None,
    name: str = "funnel",
) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for key, f in [("all", overall), *((_label(k, labels), v) for k, v in (groups or {}).items())]:
        rows.append((key, f.visitors, "visitor", f.visitors, None, None))
        rows += [(key, f.visitors, s.stage, s.count, s.conversion_pct, s.lost) for s in f.steps]
    return Table(name, FUNNEL_COLUMNS, tuple(rows))


def per_period_table(name: str, data: Mapping[str, Mapping[str, int]], key: str) -> Table:
    """{period: {key: count}} as long rows (period, key, leads), for CSV and charts alike."""
    rows = tuple((p, k, n) for p, counts in data.items() for k, n in counts.items())
    return Table(name, ("period", key, "leads"), rows)


def _spread_row(metric: str, unit: str, s: Spread, missing: int | None) -> tuple[Cell, ...]:
    return (metric, unit, s.count, s.median, s.p90, s.mean, missing)


def timing_table(k: SalesKpis) -> Table:
    columns = ("metric", "unit", "count", "median", "p90", "mean", "without_response")
    rows = (
        _spread_row("bot_first_reply", "seconds", k.bot_first_reply_seconds, None),
        _spread_row(
            "human_first_response", "minutes", k.human_first_response_minutes, k.handoffs_unanswered
        ),
        _spread_row("handoff_claim", "minutes", k.claim_minutes, k.cards_unclaimed),
        _spread_row("sales_cycle", "days", k.sales_cycle_days, None),
    )
    return Table("timings", columns, rows)


def follow_ups_table(k: SalesKpis) -> Table:
    f = k.follow_ups
    rows = (
        ("held", f.held),
        ("no_show", f.no_show),
        ("cancelled", f.cancelled),
        ("upcoming", f.upcoming),
        ("awaiting_outcome", f.awaiting_outcome),
        ("scheduled", f.scheduled),
        ("show_rate_pct", f.show_rate_pct),
    )
    return Table("follow_ups", ("outcome", "value"), rows)


def pipeline_table(k: SalesKpis) -> Table:
    p = k.pipeline
    rows: list[tuple[Cell, ...]] = [(stage, value) for stage, value in p.by_stage.items()]
    rows += [("open_total", p.value), ("open_leads", p.open_leads)]
    rows += [("won_leads", p.won_leads), ("won_value", p.won_value)]
    return Table("pipeline", ("item", "value"), tuple(rows))


def unanswered_table(groups: Sequence[QuestionGroup]) -> Table:
    columns = ("group", "language", "count", "question", "examples", "best_guess", "last_asked")
    rows = tuple(
        (
            g.key,
            g.language,
            g.count,
            g.text,
            " | ".join(g.examples),
            g.best_guess,
            g.last_at,
        )
        for g in groups
    )
    return Table("unanswered", columns, rows)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def plain(cell: Cell) -> str | int | float:
    """A cell as CSV and the terminal show it."""
    if isinstance(cell, datetime):
        return cell.isoformat(timespec="seconds")
    return "" if cell is None else cell


def _safe(cell: Cell) -> str | int | float:
    # Spreadsheet formula injection: a customer's comment "=HYPERLINK(...)" must stay text.
    if isinstance(cell, str) and cell.startswith(_FORMULA):
        return "'" + cell
    return plain(cell)


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows([_safe(c) for c in row] for row in table.rows)
    return out.getvalue()


def _width(text: str) -> int:
    # Chinese characters take two terminal columns.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def to_text(table: Table) -> str:
    """An aligned plain-text table for the terminal."""
    cells = [list(table.columns)] + [[str(plain(c)) for c in r] for r in table.rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(table.columns))]
    lines = [
        "  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True))
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)
