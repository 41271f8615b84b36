"""Typed, frozen settings: ``config/settings.yaml`` overlaid by the environment.

Precedence (highest first): ``DATABASE_URL``, ``SALESBOT_<SECTION>__<KEY>`` variables, the
YAML file, the defaults below. Secrets are read only from the environment, so a settings
file can be committed and shared; they are ``SecretStr`` so they never show in ``repr`` or
logs. The environment is injected (``environ=``) so tests never touch ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from bot.settings.dashboard import DashboardSettings
from bot.settings.privacy import PrivacySettings
from bot.settings.scheduler import EmailSettings, SchedulerSettings
from bot.webhooks.config import WebhooksSettings
from channels.slack.settings import SlackSettings
from channels.telegram.settings import TelegramSettings
from channels.webchat.settings import WebchatSettings
from dialogs.core.config import ConfigError, read_yaml, validate
from dialogs.core.settings import (
    BusinessSettings,
    HandoffSettings,
    SurveySettings,
)

ENV_PREFIX = "SALESBOT_"
SETTINGS_FILE = "settings.yaml"

# Environment variable -> field of Secrets. Listed, not discovered, so a typo in a variable
# name cannot silently create a new setting.
SECRET_VARS: dict[str, str] = {
    "SALESBOT_SECRET_KEY": "secret_key",
    "SALESBOT_TELEGRAM_TOKEN": "telegram_token",
    "SALESBOT_TELEGRAM_WEBHOOK_SECRET": "telegram_webhook_secret",
    "SALESBOT_SLACK_BOT_TOKEN": "slack_bot_token",
    "SALESBOT_SLACK_SIGNING_SECRET": "slack_signing_secret",
    "SALESBOT_SLACK_APP_TOKEN": "slack_app_token",
    "SALESBOT_API_TOKEN": "api_token",
    "SALESBOT_SMTP_PASSWORD": "smtp_password",
    "SALESBOT_WEBHOOK_SECRET": "webhook_secret",
    "SALESBOT_REST_TOKEN": "rest_token",
}
_SECRET_WORDS = ("token", "secret", "password", "api_key", "apikey")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DatabaseSettings(_Frozen):
    url: str = ""  # empty: SQLite file in data_dir
    echo: bool = False
    pool_size: int = Field(default=5, ge=1, le=100)


class ServerSettings(_Frozen):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    public_url: str = "http://127.0.0.1:8000"


class ChannelsSettings(BaseModel):
    # Sections of channels that packages register (``salesbot.channels`` entry points) are
    # kept as given and validated by that channel's own model when it is built.
    model_config = ConfigDict(frozen=True, extra="allow")

    webchat: WebchatSettings = WebchatSettings()
    telegram: TelegramSettings = TelegramSettings()
    slack: SlackSettings = SlackSettings()

    def sections(self) -> dict[str, Any]:
        """Channel name -> its section (a model, or the raw mapping of a registered one)."""
        named = {name: getattr(self, name) for name in type(self).model_fields}
        return {**named, **(self.model_extra or {})}


class LocksSettings(_Frozen):
    # "memory" serves one process; "redis" lets several workers share conversations.
    backend: Literal["memory", "redis"] = "memory"
    redis_url: str = "redis://127.0.0.1:6379/0"
    wait_seconds: float = Field(default=30.0, gt=0, le=600)


class LoggingSettings(_Frozen):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json_format: bool = False


class Secrets(_Frozen):
    secret_key: SecretStr | None = None
    telegram_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    api_token: SecretStr | None = None
    smtp_password: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    rest_token: SecretStr | None = None


class Settings(_Frozen):
    config_dir: Path = Path("config")
    data_dir: Path = Path(".salesbot")
    business: BusinessSettings = BusinessSettings()
    database: DatabaseSettings = DatabaseSettings()
    server: ServerSettings = ServerSettings()
    channels: ChannelsSettings = ChannelsSettings()
    handoff: HandoffSettings = HandoffSettings()
    survey: SurveySettings = SurveySettings()
    logging: LoggingSettings = LoggingSettings()
    locks: LocksSettings = LocksSettings()
    webhooks: WebhooksSettings = WebhooksSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    email: EmailSettings = EmailSettings()
    privacy: PrivacySettings = PrivacySettings()
    dashboard: DashboardSettings = DashboardSettings()
    secrets: Secrets = Secrets()

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite+aiosqlite:///{self.data_dir / 'salesbot.db'}"

    def secret_values(self) -> dict[str, str]:
        """Environment variable -> value of every secret that is set (for the channels)."""
        values = {var: getattr(self.secrets, field) for var, field in SECRET_VARS.items()}
        return {var: value.get_secret_value() for var, value in values.items() if value}

    @property
    def is_embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(
    config_dir: Path | str = "config", environ: Mapping[str, str] | None = None
) -> Settings:
    """Load and validate settings; raise ``ConfigError`` naming the file and key on problems."""
    env = dict(os.environ if environ is None else environ)
    config_dir = Path(config_dir)
    path = config_dir / SETTINGS_FILE
    if not config_dir.is_dir():
        raise ConfigError(str(config_dir), "", "configuration directory not found")
    data = read_yaml(path) if path.exists() else {}
    _refuse_secrets_in_file(data, str(path))
    for key in RESERVED_KEYS:
        if key in data:
            raise ConfigError(str(path), key, "cannot be set in the settings file")
    data = overlay_environment(data, env)
    data["config_dir"] = config_dir
    data["secrets"] = {
        field: value for var, field in SECRET_VARS.items() if (value := env.get(var))
    }
    source = f"{path} (with {ENV_PREFIX}* environment overrides)"
    settings = validate(Settings, data, source)
    _require_secrets(settings, str(path))
    return settings


def _refuse_secrets_in_file(data: Any, source: str) -> None:
    for dotted in secret_keys(data):
        raise ConfigError(source, dotted, SECRET_IN_FILE)


SECRET_IN_FILE = (
    "secrets are read only from the environment; remove this key and set one "
    f"of {', '.join(SECRET_VARS)}"
)
# Keys a settings file may not set: the CLI and the environment own them.
RESERVED_KEYS = ("config_dir", "secrets")


def secret_keys(data: Any, prefix: str = "") -> list[str]:
    """Dotted keys of ``data`` that look like secrets (``channels.slack.bot_token``)."""
    if not isinstance(data, dict):
        return []
    found = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if any(word in str(key).lower() for word in _SECRET_WORDS):
            found.append(dotted)
        found += secret_keys(value, dotted + ".")
    return found


def overlay_environment(data: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    merged: dict[str, Any] = _deep_copy(data)
    if env.get("DATABASE_URL"):
        merged.setdefault("database", {})["url"] = env["DATABASE_URL"]
    for var, raw in env.items():
        if not var.startswith(ENV_PREFIX) or var in SECRET_VARS:
            continue
        path = var[len(ENV_PREFIX) :].lower().split("__")
        if len(path) == 1 and path[0] not in Settings.model_fields:
            continue  # SALESBOT_CONFIG and friends belong to the CLI, not to settings
        node = merged
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(var, ".".join(path), "does not name a settings section")
            node = child
        try:
            node[path[-1]] = yaml.safe_load(raw) if raw.strip() else raw
        except yaml.YAMLError:
            node[path[-1]] = raw
    return merged


def _deep_copy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in data.items()}


def _require_secrets(settings: Settings, source: str) -> None:
    for var, because in missing_secrets(settings):
        raise ConfigError(var, "", f"missing secret: required because {because} in {source}")


def missing_secrets(settings: Settings) -> list[tuple[str, str]]:
    """``(variable, why it is needed)`` for each secret the enabled features need and the
    environment does not give."""
    missing: list[tuple[str, str]] = []

    def need(var: str, because: str) -> None:
        if getattr(settings.secrets, SECRET_VARS[var]) is None:
            missing.append((var, because))

    channels = settings.channels
    if channels.telegram.enabled:
        need("SALESBOT_TELEGRAM_TOKEN", "channels.telegram.enabled is true")
        if channels.telegram.mode == "webhook":
            need("SALESBOT_TELEGRAM_WEBHOOK_SECRET", "channels.telegram.mode is webhook")
    if channels.slack.enabled:
        need("SALESBOT_SLACK_BOT_TOKEN", "channels.slack.enabled is true")
        if settings.secrets.slack_app_token is None:
            need(
                "SALESBOT_SLACK_SIGNING_SECRET",
                "channels.slack.enabled is true (or set SALESBOT_SLACK_APP_TOKEN for Socket Mode)",
            )
    if settings.email.enabled and settings.email.username:
        need("SALESBOT_SMTP_PASSWORD", "email.username is set")
    if settings.webhooks.any_enabled:
        need("SALESBOT_WEBHOOK_SECRET", "webhooks.endpoints has an enabled endpoint")
    return missing
