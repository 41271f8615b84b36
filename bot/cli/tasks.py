"""``salesbot tasks list|retry|cancel``: inspect and act on scheduled work from the shell.

Scheduled work (reminders, surveys, escalations, digests) is rows in the CRM store, so these
commands work whether or not ``salesbot serve`` is running; a running scheduler picks up a
retried task at its next wake-up.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select, update

from bot.cli.clock import clock_for
from bot.cli.common import fail, run_with_db, settings_from
from crm_store import migrate
from crm_store.database import Database
from crm_store.models import ScheduledTask, TaskState
from crm_store.uow import UnitOfWork

tasks_app = typer.Typer(
    help="Scheduled work: reminders, surveys, escalations, digests.", no_args_is_help=True
)
ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="SALESBOT_CONFIG", help="Configuration directory."),
]
DEFAULT_CONFIG = Path("config")


class State(StrEnum):
    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


def _row(task: ScheduledTask) -> dict[str, Any]:
    return {
        "id": task.id,
        "kind": task.kind,
        "state": task.state,
        "due_at": task.due_at.isoformat(),
        "attempts": task.attempts,
        "payload": task.payload,
        "dedupe_key": task.dedupe_key,
        "last_error": task.last_error,
        "finished_at": task.finished_at.isoformat() if task.finished_at else None,
    }


def _run(config: Path, body: Any) -> Any:

    settings = settings_from(config)
    # A task retried "now" must be due on the clock the server runs on (SALESBOT_NOW).
    clock = clock_for()

    async def with_schema(db: Database) -> Any:
        await migrate.ensure_schema(db, auto_upgrade=settings.is_embedded_database)
        async with UnitOfWork(db, clock) as uow:
            return await body(uow)

    return run_with_db(settings, with_schema)


@tasks_app.command("list")
def list_tasks(
    state: Annotated[State | None, typer.Option(help="Only this state.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind (followup.reminder...).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Most rows shown.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Tasks by due time (pending first when no state is given)."""

    async def body(uow: UnitOfWork) -> list[dict[str, Any]]:
        stmt = select(ScheduledTask)
        if state is not None:
            stmt = stmt.where(ScheduledTask.state == state.value)
        if kind is not None:
            stmt = stmt.where(ScheduledTask.kind == kind)
        pending_first = (ScheduledTask.state != TaskState.PENDING.value).asc()
        stmt = stmt.order_by(pending_first, ScheduledTask.due_at, ScheduledTask.id).limit(limit)
        return [_row(t) for t in (await uow.session.scalars(stmt)).all()]

    rows = _run(config, body)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo("no scheduled tasks")
    for r in rows:
        error = f"  last error: {r['last_error']}" if r["last_error"] else ""
        typer.echo(
            f"{r['id']:>6}  {r['state']:<9}  {r['due_at']}  {r['kind']:<20}"
            f"  attempts {r['attempts']}  {json.dumps(r['payload'])}{error}"
        )


@tasks_app.command("retry")
def retry(
    ids: Annotated[list[int] | None, typer.Argument(help="Task ids; none: all failed.")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Run failed (or cancelled) tasks again at the next wake-up."""

    async def body(uow: UnitOfWork) -> int:
        states = [TaskState.FAILED.value] + ([TaskState.CANCELLED.value] if ids else [])
        stmt = update(ScheduledTask).where(ScheduledTask.state.in_(states))
        if ids:
            stmt = stmt.where(ScheduledTask.id.in_(ids))
        result = await uow.session.execute(
            stmt.values(
                state=TaskState.PENDING.value,
                due_at=uow.clock.now(),
                attempts=0,
                finished_at=None,
            )
        )
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        await uow.audit.log("cli", "tasks.retry", detail={"ids": ids or "failed", "count": count})
        return count

    count = _run(config, body)
    if ids and count < len(ids):
        typer.echo(f"{count} of {len(ids)} tasks queued again (only failed or cancelled ones)")
        raise fail("some tasks were not failed or cancelled", 1)
    typer.echo(f"{count} tasks queued again")


@tasks_app.command("cancel")
def cancel(
    ids: Annotated[list[int], typer.Argument(help="Task ids.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Cancel pending tasks (they never run)."""

    async def body(uow: UnitOfWork) -> int:
        result = await uow.session.execute(
            update(ScheduledTask)
            .where(ScheduledTask.id.in_(ids), ScheduledTask.state == TaskState.PENDING.value)
            .values(state=TaskState.CANCELLED.value, finished_at=uow.clock.now())
        )
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        await uow.audit.log("cli", "tasks.cancel", detail={"ids": ids, "count": count})
        return count

    count = _run(config, body)
    typer.echo(f"{count} tasks cancelled")
    if count < len(ids):
        raise fail(f"{len(ids) - count} of the tasks were not pending", 1)
