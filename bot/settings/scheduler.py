"""Settings of the scheduler and of outgoing e-mail (sections ``scheduler:`` and ``email:``).

Kept free of salesbot imports so ``bot.settings.model`` can import them. Until the sections are
wired into ``Settings`` the accessors below fall back to the defaults.
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SchedulerSettings(_Frozen):
    enabled: bool = True
    # How often the scheduler wakes to run due tasks and retry outboxes.
    poll_interval_seconds: float = Field(default=15.0, gt=0, le=3600)
    batch_size: int = Field(default=200, ge=1, le=10_000)
    # A task that raises is retried with backoff (1 min doubling, at most 1 h) this many times.
    max_attempts: int = Field(default=6, ge=1, le=100)
    # Survey after a follow-up the rep marked done; a postponed survey (the customer is busy
    # in another flow or with a rep) is retried every survey_retry_minutes, then dropped.
    survey_after_followup_minutes: int = Field(default=60, ge=0)
    survey_retry_minutes: int = Field(default=30, ge=1)
    survey_give_up_hours: int = Field(default=72, ge=1)
    # The lead stage a follow-up marked "done" leaves the lead in (won/lost is the rep's call).
    followup_done_lead_status: Literal["meeting_booked", "won"] = "meeting_booked"
    # Recurring jobs, in the business time zone.
    digest_weekday: Weekday = "mon"
    digest_time: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    retention_time: str = Field(default="03:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # Messages to staff are sent this many times before they are given up on.
    staff_max_attempts: int = Field(default=10, ge=1, le=100)
    email_max_attempts: int = Field(default=10, ge=1, le=100)


class EmailSettings(_Frozen):
    """SMTP for customer e-mail; the password comes only from ``SALESBOT_SMTP_PASSWORD``."""

    enabled: bool = False
    server: str = "127.0.0.1"
    port: int = Field(default=587, ge=1, le=65535)
    # A placeholder, not a real business: set ``email.sender`` before enabling e-mail.
    sender: str = "Sales <sales@example.com>"
    starttls: bool = True  # STARTTLS after connecting (port 587)
    use_tls: bool = False  # implicit TLS from the first byte (port 465)
    username: str = ""
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # Calendar invite UIDs are "followup-<id>@<uid_domain>"; default: the sender's domain.
    uid_domain: str = ""

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1] or self.sender

    @property
    def domain(self) -> str:
        if self.uid_domain:
            return self.uid_domain
        _, _, domain = self.sender_address.rpartition("@")
        return domain or "salesbot.invalid"
