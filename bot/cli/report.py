"""``salesbot report surveys|funnel|unanswered``: the dashboard's numbers in the terminal.

Dates are in the business time zone (``--since 2026-03-01`` is midnight there); ``--until``
is exclusive, like the API's. ``--format table`` is for people, ``csv`` for spreadsheets
(one table) and ``json`` for scripts (the full result, shaped like the API's answers).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.clock import clock_for
from bot.cli.common import fail, run_with_db, settings_from
from bot.reports import tables
from bot.reports.kpi_data import Scope
from bot.reports.service import rep_names, sales_report, survey_report, unanswered_report
from bot.reports.stats import Window, window_of
from bot.reports.unanswered import draft_faq_yaml
from crm_store import migrate
from crm_store.database import Database
from crm_store.uow import UnitOfWork

report_app = typer.Typer(
    help="Reports: survey results, the sales funnel and KPIs, unanswered questions.",
    no_args_is_help=True,
)


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


class By(StrEnum):
    CHANNEL = "channel"
    REP = "rep"
    LANGUAGE = "language"
    TRIGGER = "trigger"
    CAMPAIGN = "campaign"


ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="SALESBOT_CONFIG", help="Configuration directory."),
]
SinceOption = Annotated[
    str | None, typer.Option(help="From this date (YYYY-MM-DD, business time zone) or time.")
]
UntilOption = Annotated[str | None, typer.Option(help="Up to this date or time, exclusive.")]
ByOption = Annotated[By | None, typer.Option("--by", help="Split the numbers by this.")]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
DEFAULT_CONFIG = Path("config")


def _run(config: Path, since: str | None, until: str | None, body: Any) -> Any:
    """Load settings, parse the window, run ``body(uow, window, settings)`` on the store."""

    settings = settings_from(config)
    try:
        window = window_of(since, until, settings.business.timezone)
    except ValueError as exc:
        raise fail(str(exc)) from None

    clock = clock_for()  # an open window ends at the pinned now under SALESBOT_NOW

    async def go(db: Database) -> Any:
        await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
        async with UnitOfWork(db, clock) as uow:
            return await body(uow, window, settings)

    return run_with_db(settings, go)


def _emit(fmt: Format, payload: dict[str, Any], shown: list[tables.Table]) -> None:
    if fmt == Format.JSON:
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    elif fmt == Format.CSV:
        typer.echo(tables.to_csv(shown[0]), nl=False)
    else:
        typer.echo("\n\n".join(f"{t.name}\n{tables.to_text(t)}" for t in shown))


def _window_line(window: Window, tz: str) -> str:
    since = window.since.isoformat() if window.since else "the beginning"
    until = window.until.isoformat() if window.until else "now"
    return f"from {since} until {until} (dates in {tz})"


def _check(by: By | None, allowed: set[By], what: str) -> None:
    if by is not None and by not in allowed:
        names = ", ".join(sorted(b.value for b in allowed))
        raise fail(f"{what} can be split by {names}, not {by.value}")


@report_app.command("surveys")
def surveys(
    since: SinceOption = None,
    until: UntilOption = None,
    by: ByOption = None,
    fmt: FormatOption = Format.TABLE,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """CSAT, NPS and response rate (overall, per group, and per week)."""
    _check(by, {By.CHANNEL, By.REP, By.LANGUAGE, By.TRIGGER}, "surveys")

    async def body(uow: UnitOfWork, window: Window, settings: Any) -> Any:
        tz = settings.business.timezone
        report = await survey_report(uow.session, window, timezone=tz, by=by.value if by else None)
        return report, await rep_names(uow.session)

    report, names = _run(config, since, until, body)
    labels = names if by == By.REP else None
    shown = [tables.survey_table(report.overall, report.groups, labels)]
    if fmt == Format.TABLE:
        typer.echo(_window_line(report.window, report.timezone), err=True)
        shown += [
            tables.survey_table(report.overall, report.weekly, name="surveys_per_week"),
            tables.distribution_table("csat_distribution", report.overall.csat.distribution),
            tables.distribution_table("nps_distribution", report.overall.nps.distribution),
        ]
    _emit(fmt, report.as_json(), shown)


@report_app.command("funnel")
def funnel(
    since: SinceOption = None,
    until: UntilOption = None,
    by: ByOption = None,
    fmt: FormatOption = Format.TABLE,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """The funnel visitor -> lead -> qualified -> meeting booked -> won, and the sales KPIs."""
    _check(by, {By.CHANNEL, By.REP, By.CAMPAIGN}, "the funnel")

    async def body(uow: UnitOfWork, window: Window, settings: Any) -> Any:
        report = await sales_report(
            uow.session,
            window,
            uow.clock.now(),
            timezone=settings.business.timezone,
            by=by.value if by else None,
            scope=Scope(),
        )
        return report, await rep_names(uow.session)

    report, names = _run(config, since, until, body)
    labels = names if by == By.REP else None
    shown = [tables.funnel_table(report.kpis.funnel, report.funnels, labels)]
    if fmt == Format.TABLE:
        typer.echo(_window_line(report.window, report.timezone), err=True)
        shown += [
            tables.timing_table(report.kpis),
            tables.follow_ups_table(report.kpis),
            tables.pipeline_table(report.kpis),
            tables.per_period_table("leads_per_week", report.leads_by_channel, "channel"),
        ]
    _emit(fmt, report.as_json(), shown)


@report_app.command("unanswered")
def unanswered(
    since: SinceOption = None,
    until: UntilOption = None,
    by: ByOption = None,
    fmt: FormatOption = Format.TABLE,
    limit: Annotated[int, typer.Option(min=1, help="Show this many groups.")] = 20,
    draft: Annotated[
        list[str] | None,
        typer.Option(help="Print a draft FAQ entry (faq.yaml) for this group key; repeatable."),
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Questions the bot could not answer, grouped by similarity, most asked first."""
    _check(by, {By.LANGUAGE}, "unanswered questions")

    async def body(uow: UnitOfWork, window: Window, settings: Any) -> Any:
        from dialogs.core.content import load_content

        content = load_content(settings.config_dir)
        return await unanswered_report(uow.session, window, content), content

    groups, content = _run(config, since, until, body)
    if by == By.LANGUAGE:
        groups = sorted(groups, key=lambda g: g.language)  # stable: most asked first within
    if draft:
        chosen = [g for g in groups if g.key in set(draft)]
        missing = set(draft) - {g.key for g in chosen}
        if missing:
            raise fail(f"no group {sorted(missing)[0]!r} in this period; see the group column")
        typer.echo(draft_faq_yaml(chosen, content), nl=False)
        return
    groups = groups[:limit]
    payload = {"groups": [g.as_json() for g in groups]}
    _emit(fmt, payload, [tables.unanswered_table(groups)])
