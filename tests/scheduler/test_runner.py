"""The task runner's own rules: failures retried with backoff then failed, unknown kinds,
handlers outside the transaction, and one task's failure not touching another (#7)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.scheduler.context import TaskContext, outside_transaction
from bot.scheduler.execute import LEASE, TaskRunner
from bot.settings.scheduler import EmailSettings, SchedulerSettings
from crm_store.clock import FakeClock
from crm_store.database import Database
from crm_store.models import ScheduledTask
from crm_store.uow import UnitOfWork
from tests.scheduler.support import staff_rows, tasks


def runner(db: Database, clock: FakeClock, handlers: dict[str, Any], **config: Any) -> TaskRunner:
    return TaskRunner(
        db=db,
        clock=clock,
        settings=None,
        content=None,
        handlers=handlers,
        config=SchedulerSettings(**config),
        email=EmailSettings(),
    )


async def schedule(db: Database, clock: FakeClock, kind: str, key: str | None = None) -> int:
    async with UnitOfWork(db, clock) as uow:
        return (await uow.tasks.schedule(kind, clock.now(), {"n": 1}, dedupe_key=key)).id


async def test_a_failing_handler_is_rolled_back_retried_with_backoff_then_failed(
    db: Database, clock: FakeClock
) -> None:
    from bot.scheduler.produce import add_staff_message

    calls: list[int] = []

    async def flaky(ctx: TaskContext, task: ScheduledTask) -> None:
        calls.append(task.id)
        await add_staff_message(ctx.uow, target="sales", kind="x", text="half-done work")
        raise RuntimeError("Slack is down")

    async def fine(ctx: TaskContext, task: ScheduledTask) -> None:
        await add_staff_message(ctx.uow, target="sales", kind="ok", text="fine")

    await schedule(db, clock, "flaky")
    await schedule(db, clock, "fine")
    run = runner(db, clock, {"flaky": flaky, "fine": fine}, max_attempts=3)

    first = await run.run_due()
    assert (first.done, first.retried, first.failed) == (1, 1, 0)
    assert [m.kind for m in await staff_rows(db, clock)] == ["ok"]  # the failure left nothing
    [task] = await tasks(db, clock, "flaky")
    assert (task.state, task.attempts, task.due_at) == (
        "pending", 1, clock.now() + timedelta(minutes=1)
    )  # fmt: skip
    assert "Slack is down" in (task.last_error or "")
    clock.advance(minutes=1)
    assert (await run.run_due()).retried == 1
    clock.advance(minutes=1)
    assert (await run.run_due()).ran == 0  # the second retry waits 2 minutes
    clock.advance(minutes=1)
    assert (await run.run_due()).failed == 1
    [task] = await tasks(db, clock, "flaky")
    assert (task.state, task.attempts) == ("failed", 3)
    clock.advance(days=1)
    assert (await run.run_due()).ran == 0
    assert len(calls) == 3


async def test_a_task_without_a_handler_fails_visibly(db: Database, clock: FakeClock) -> None:
    await schedule(db, clock, "nobody.handles.this")
    assert (await runner(db, clock, {}).run_due()).failed == 1
    [task] = await tasks(db, clock)
    assert task.state == "failed" and "no handler" in (task.last_error or "")


async def test_outside_transaction_handlers_lease_their_task(
    db: Database, clock: FakeClock
) -> None:
    seen: list[tuple[str, Any]] = []

    @outside_transaction
    async def slow(ctx: TaskContext, task: ScheduledTask) -> None:
        # While it runs the task is leased: pending, due when the lease runs out.
        async with ctx.transaction() as uow:
            row = await uow.session.get(ScheduledTask, task.id)
            assert row is not None
            seen.append((row.state, row.due_at - ctx.now))
        if len(seen) == 1:
            ctx.retry(ctx.now + timedelta(minutes=5), "not yet")

    await schedule(db, clock, "slow")
    run = runner(db, clock, {"slow": slow})
    assert (await run.run_due()).retried == 1
    assert seen[0][0] == "pending" and timedelta(minutes=9) < seen[0][1] <= LEASE
    clock.advance(minutes=5)
    assert (await run.run_due()).done == 1
    [task] = await tasks(db, clock)
    assert (task.state, task.attempts) == ("done", 2)


async def test_a_leased_task_cancelled_meanwhile_stays_cancelled(
    db: Database, clock: FakeClock
) -> None:
    @outside_transaction
    async def opted_out_meanwhile(ctx: TaskContext, task: ScheduledTask) -> None:
        async with ctx.transaction() as uow:
            await uow.tasks.cancel(dedupe_prefix="contact:1:")

    await schedule(db, clock, "survey-ish", key="contact:1:survey:x")
    result = await runner(db, clock, {"survey-ish": opted_out_meanwhile}).run_due()
    assert result.lost == 1
    [task] = await tasks(db, clock)
    assert task.state == "cancelled"
