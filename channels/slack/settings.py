"""The ``channels.slack`` section of settings.yaml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SlackSettings(_Frozen):
    enabled: bool = False
    sales_channel: str = "#sales"
    managers_channel: str = "#sales-managers"
    # Another Slack Web API base URL (a proxy, or a test double); empty: slack.com.
    api_url: str = ""
