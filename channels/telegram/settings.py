"""The ``channels.telegram`` section of settings.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TelegramSettings(_Frozen):
    enabled: bool = False
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    # Another Bot API server (self-hosted, or a test double); empty: api.telegram.org.
    api_server: str = ""
