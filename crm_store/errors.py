"""Domain errors the store raises instead of driver-specific IntegrityErrors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError


class StoreError(Exception):
    pass


class NotFound(StoreError):
    pass


class DuplicateMessage(StoreError):
    def __init__(self, channel: str, message_id: str) -> None:
        super().__init__(f"message {message_id!r} on {channel} was already stored")
        self.channel = channel
        self.message_id = message_id


class IdentityTaken(StoreError):
    def __init__(self, channel: str, external_id: str) -> None:
        super().__init__(f"{channel} identity {external_id!r} belongs to another contact")
        self.channel = channel
        self.external_id = external_id


class FollowUpOverlap(StoreError):
    def __init__(self, rep_id: int, starts_at: datetime, ends_at: datetime) -> None:
        super().__init__(
            f"rep {rep_id} already has a follow-up between {starts_at:%Y-%m-%d %H:%M} and "
            f"{ends_at:%H:%M} UTC"
        )
        self.rep_id = rep_id
        self.starts_at = starts_at
        self.ends_at = ends_at


class InvalidTransition(StoreError):
    def __init__(self, entity: str, current: str, wanted: str) -> None:
        super().__init__(f"{entity} cannot go from {str(current)!r} to {str(wanted)!r}")
        self.current = current
        self.wanted = wanted


class AlreadyAnswered(StoreError):
    pass


def violated(exc: IntegrityError, *markers: str) -> bool:
    """Whether an IntegrityError names one of the given constraints.

    SQLite names the columns ("UNIQUE constraint failed: messages.channel, ..."), PostgreSQL
    the constraint ("uq_messages_channel"), a trigger its RAISE text; callers pass all forms.
    """
    text = str(exc.orig)
    return any(marker in text for marker in markers)
