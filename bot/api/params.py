"""Query parameters shared by the endpoints: pagination, time ranges, ids, and 422s.

Every bad filter is a 422 in FastAPI's usual shape (``{"detail": [{"loc", "msg", ...}]}``),
whether pydantic or these checks found it, so clients parse one error format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import HTTPException, Path, Query, status
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reports.stats import Window

MAX_ID = 2**63 - 1
MAX_LIMIT = 200

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id.")]
RepId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this rep's records.")]
ContactId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this contact's.")]
Channel = Annotated[
    str | None,
    Query(pattern=r"^[a-z0-9_-]{1,32}$", description="Channel: webchat, telegram, slack..."),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="Rows to skip.")]
Since = Annotated[
    datetime | None,
    Query(
        description="From this time, inclusive (ISO 8601; no zone means UTC; a date means 00:00)."
    ),
]
Until = Annotated[
    datetime | None, Query(description="Up to this time, exclusive (ISO 8601; no zone means UTC).")
]


def invalid(field: str, message: str, value: Any = None) -> HTTPException:
    """A 422 shaped like FastAPI's own validation errors."""
    error = {"type": "value_error", "loc": ["query", field], "msg": message, "input": value}
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[error])


def to_utc(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise invalid(field, "time is out of range", value.isoformat()) from None


@dataclass(frozen=True)
class TimeRange(Window):
    """A report window from API query parameters: UTC, checked, errors as 422s."""

    @classmethod
    def of(cls, since: datetime | None, until: datetime | None) -> TimeRange:
        start, end = to_utc(since, "since"), to_utc(until, "until")
        if start is not None and end is not None and start >= end:
            raise invalid("until", "until must be later than since", end.isoformat())
        return cls(start, end)


async def paginate(
    session: AsyncSession, stmt: Select[Any], limit: int, offset: int
) -> tuple[list[Any], int, int | None]:
    """(rows, total, next_offset) for an ordered select of ORM entities."""
    total = int(
        await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    )
    rows = list((await session.scalars(stmt.limit(limit).offset(offset))).all())
    next_offset = offset + limit if offset + limit < total else None
    return rows, total, next_offset
