"""Dashboard settings (``dashboard:`` in settings.yaml). Pydantic only, so ``bot.settings.model``
can import it without pulling in the web layer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DashboardSettings(BaseModel):
    """e.g. ``SALESBOT_DASHBOARD__SESSION_HOURS=8``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    max_failed_logins: int = Field(default=5, ge=1, le=100)
    lockout_minutes: int = Field(default=15, ge=1)
