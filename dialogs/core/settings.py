"""The sections of ``settings.yaml`` the dialog engine reads: the business, handoff, surveys.

The shell's ``Settings`` carries them (``settings.business`` ...); flows see them through
``EngineSettings``, so the engine never imports the shell.
"""

from __future__ import annotations

from typing import Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BusinessSettings(_Frozen):
    # The name customers see (e-mail subjects, the demo page, `salesbot chat`). No default
    # that names a real business: empty means "not configured", which `salesbot check`
    # reports and `serve`/`chat` refuse (see ``require_business_name``).
    name: str = ""
    default_language: Literal["en", "zh"] = "en"
    languages: tuple[Literal["en", "zh"], ...] = ("en", "zh")
    timezone: str = "UTC"
    default_phone_region: str = "US"

    @field_validator("name")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_timezone(value)


class HandoffSettings(_Frozen):
    fallbacks_before_handoff: int = Field(default=3, ge=2, le=10)
    reannounce_after_minutes: int = Field(default=10, ge=1)
    escalate_after_minutes: int = Field(default=30, ge=1)


# What may start a survey: a resolved handoff, a follow-up call marked done (both scheduled),
# and in chat a stored lead form, a new booking, or the customer saying goodbye (or thanks
# with nothing else going on).
SurveyTrigger = Literal["handoff", "followup", "lead", "booking", "goodbye"]


class SurveySettings(_Frozen):
    delay_after_handoff_minutes: int = Field(default=30, ge=0)
    reminder_after_hours: int = Field(default=24, ge=1)
    expire_after_hours: int = Field(default=72, ge=1)
    # Defaults ask after a person helped and when the customer leaves; not after a form or a
    # booking, whose own confirmation (and the offered next step) should stay the last word.
    triggers: tuple[SurveyTrigger, ...] = ("handoff", "followup", "goodbye")
    # Never ask one contact twice within this many days (0: no cap), counted from the last
    # survey request that was sent to them, whatever started it.
    min_days_between: int = Field(default=30, ge=0)


class EngineSettings(Protocol):
    """What a flow may read of the settings (``turn.services.settings``)."""

    @property
    def business(self) -> BusinessSettings: ...

    @property
    def handoff(self) -> HandoffSettings: ...

    @property
    def survey(self) -> SurveySettings: ...


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name like Europe/Berlin)"
        ) from None
    return value
