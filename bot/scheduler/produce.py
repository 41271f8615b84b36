"""Writing outbox rows for staff and e-mail, idempotently (a ``dedupe_key`` is written once)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm_store.models.ops import PENDING, EmailMessage, StaffMessage
from crm_store.uow import UnitOfWork

Row = TypeVar("Row", StaffMessage, EmailMessage)


async def _exists(uow: UnitOfWork, model: type, dedupe_key: str | None) -> bool:
    if dedupe_key is None:
        return False
    stmt = select(model.id).where(model.dedupe_key == dedupe_key)  # type: ignore[attr-defined]
    return (await uow.session.scalar(stmt)) is not None


async def _insert(uow: UnitOfWork, row: Any) -> bool:
    # Another worker may write the same key at the same moment: the unique index decides.
    try:
        async with uow.session.begin_nested():
            uow.session.add(row)
    except IntegrityError:
        if row.dedupe_key is None:
            raise
        return False
    return True


async def add_staff_message(
    uow: UnitOfWork,
    *,
    target: str,
    kind: str,
    text: str,
    rep_id: int | None = None,
    content: dict[str, Any] | None = None,
    ref: str | None = None,
    dedupe_key: str | None = None,
) -> StaffMessage | None:
    """Queue a message to staff; None if one with this ``dedupe_key`` exists already."""
    return await _queue(
        uow,
        StaffMessage,
        dedupe_key,
        target=target,
        rep_id=rep_id,
        kind=kind,
        text=text,
        content=dict(content or {}),
        ref=ref,
    )


async def add_email(
    uow: UnitOfWork,
    *,
    to_address: str,
    subject: str,
    body_text: str,
    kind: str,
    contact_id: int | None = None,
    ics: str | None = None,
    dedupe_key: str | None = None,
) -> EmailMessage | None:
    """Queue an e-mail; None if one with this ``dedupe_key`` exists already."""
    return await _queue(
        uow,
        EmailMessage,
        dedupe_key,
        contact_id=contact_id,
        to_address=to_address,
        subject=subject[:300],
        body_text=body_text,
        ics=ics,
        kind=kind,
    )


async def _queue(
    uow: UnitOfWork, model: type[Row], dedupe_key: str | None, **fields: Any
) -> Row | None:
    """A new pending outbox row, due now; None if ``dedupe_key`` was written before."""
    if await _exists(uow, model, dedupe_key):
        return None
    now = uow.clock.now()
    row = model(
        **fields,
        dedupe_key=dedupe_key,
        state=PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    return row if await _insert(uow, row) else None
