"""Webhook endpoints: the ``webhooks:`` section of settings.yaml and its signing secrets.

Endpoints are configuration (a business edits them like the rest of ``config/``); their
signing secrets are not. One master secret comes from the environment
(``SALESBOT_WEBHOOK_SECRET``) and each endpoint signs with its own key derived from it,
``HMAC-SHA256(master, "salesbot-webhook:<name>")``, shown by ``salesbot webhooks secret
NAME``: a receiver that leaks its key cannot forge events to the other receivers, and
changing the master rotates every key.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The business events a webhook can subscribe to (``domain_events.type``).
WEBHOOK_EVENTS: tuple[str, ...] = (
    "lead.created",
    "lead.qualified",
    "lead.status_changed",
    "followup.booked",
    "followup.rescheduled",
    "followup.cancelled",
    "followup.status_changed",
    "survey.completed",
    "handoff.requested",
    "contact.erased",
)
SECRET_VAR = "SALESBOT_WEBHOOK_SECRET"


class WebhookEndpointSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    url: str
    events: tuple[str, ...] = ("*",)
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")) or len(value) > 2000:
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("events")
    @classmethod
    def _known_events(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [e for e in value if e != "*" and e not in WEBHOOK_EVENTS]
        if unknown:
            raise ValueError(
                f"unknown event {unknown[0]!r}; use '*' or some of: {', '.join(WEBHOOK_EVENTS)}"
            )
        if not value:
            raise ValueError("list at least one event, or '*' for all")
        return value


class WebhooksSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoints: tuple[WebhookEndpointSettings, ...] = ()
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    poll_interval_seconds: float = Field(default=1.0, gt=0, le=60)

    @model_validator(mode="after")
    def _unique_names(self) -> WebhooksSettings:
        names = [e.name for e in self.endpoints]
        duplicate = next((n for n in names if names.count(n) > 1), None)
        if duplicate:
            raise ValueError(f"two endpoints are named {duplicate!r}; names must be unique")
        return self

    @property
    def any_enabled(self) -> bool:
        return any(e.enabled for e in self.endpoints)


@dataclass(frozen=True)
class WebhookEndpoint:
    name: str
    url: str
    secret: str
    events: frozenset[str]

    def wants(self, event_type: str) -> bool:
        return "*" in self.events or event_type in self.events

    def __repr__(self) -> str:  # never show the secret
        return f"WebhookEndpoint({self.name!r}, {self.url!r})"


def derive_secret(master: str, name: str) -> str:
    mac = hmac.new(master.encode(), f"salesbot-webhook:{name}".encode(), hashlib.sha256)
    return "whsec_" + mac.hexdigest()


def build_endpoints(config: WebhooksSettings, master: str | None) -> tuple[WebhookEndpoint, ...]:
    """The enabled endpoints with their signing keys; refuses to run them unsigned."""
    enabled = [e for e in config.endpoints if e.enabled]
    if enabled and not master:
        raise ValueError(f"{SECRET_VAR} is required when a webhook endpoint is enabled")
    return tuple(
        WebhookEndpoint(
            name=e.name,
            url=e.url,
            secret=derive_secret(master or "", e.name),
            events=frozenset(e.events),
        )
        for e in enabled
    )


def endpoints_from_settings(settings: Any) -> tuple[WebhookEndpoint, ...]:
    """Endpoints of ``bot.settings.model.Settings``: ``webhooks`` + ``secrets.webhook_secret``."""
    secret = settings.secrets.webhook_secret
    return build_endpoints(settings.webhooks, secret.get_secret_value() if secret else None)
