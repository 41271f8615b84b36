"""Settings load from YAML + environment and fail with precise errors (#2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings.model import load_settings
from dialogs.core.config import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "settings.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_defaults_and_environment_overrides(tmp_path: Path) -> None:
    config = write(tmp_path, "server:\n  port: 8100\nbusiness:\n  timezone: Europe/Berlin\n")
    env = {
        "SALESBOT_SERVER__PORT": "9100",
        "SALESBOT_CHANNELS__WEBCHAT__ALLOWED_ORIGINS": "[https://shop.example]",
        "DATABASE_URL": "postgresql+asyncpg://u:pw@db/sales",
        "SALESBOT_SLACK_BOT_TOKEN": "xoxb-secret-value",
    }
    settings = load_settings(config, env)
    assert settings.server.port == 9100
    assert settings.business.timezone == "Europe/Berlin"
    assert settings.channels.webchat.allowed_origins == ("https://shop.example",)
    assert settings.database_url == "postgresql+asyncpg://u:pw@db/sales"
    assert not settings.is_embedded_database
    secret = settings.secrets.slack_bot_token
    assert secret is not None and secret.get_secret_value() == "xoxb-secret-value"
    assert "xoxb-secret-value" not in repr(settings) and "xoxb-secret-value" not in str(settings)


def test_embedded_default_database(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), {})
    assert settings.database_url == "sqlite+aiosqlite:///.salesbot/salesbot.db"
    assert settings.is_embedded_database


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), {})
    with pytest.raises(Exception, match="frozen"):
        settings.server.port = 1  # type: ignore[misc]


def test_missing_secret_names_the_variable_and_the_reason(tmp_path: Path) -> None:
    config = write(tmp_path, "channels:\n  telegram:\n    enabled: true\n    mode: webhook\n")
    with pytest.raises(ConfigError) as err:
        load_settings(config, {})
    assert str(err.value).startswith("SALESBOT_TELEGRAM_TOKEN: missing secret")
    assert "channels.telegram.enabled" in str(err.value)
    with pytest.raises(ConfigError, match="SALESBOT_TELEGRAM_WEBHOOK_SECRET.*mode is webhook"):
        load_settings(config, {"SALESBOT_TELEGRAM_TOKEN": "123:abc"})


def test_unknown_key_names_file_and_dotted_key(tmp_path: Path) -> None:
    config = write(tmp_path, "server:\n  prot: 80\n")
    with pytest.raises(ConfigError) as err:
        load_settings(config, {})
    assert err.value.source.startswith(str(tmp_path / "settings.yaml"))
    assert err.value.key == "server.prot"
    assert "unknown key" in err.value.problem


def test_unknown_key_from_environment(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"server\.prot: unknown key"):
        load_settings(write(tmp_path, ""), {"SALESBOT_SERVER__PROT": "1"})


def test_malformed_file_gives_line_and_column(tmp_path: Path) -> None:
    config = write(tmp_path, "server:\n  port: [8000\n")
    with pytest.raises(ConfigError, match=r"settings\.yaml: malformed YAML: line \d+, column \d+"):
        load_settings(config, {})


def test_wrong_type_and_bad_timezone(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"server\.port: .*integer"):
        load_settings(write(tmp_path, "server:\n  port: eighty\n"), {})
    with pytest.raises(ConfigError, match=r"business\.timezone: .*unknown time zone 'Mars/Base'"):
        load_settings(write(tmp_path, "business:\n  timezone: Mars/Base\n"), {})


def test_secret_in_file_is_refused(tmp_path: Path) -> None:
    config = write(tmp_path, "channels:\n  slack:\n    bot_token: xoxb-123\n")
    with pytest.raises(ConfigError, match=r"channels\.slack\.bot_token: secrets are read only"):
        load_settings(config, {})


def test_missing_config_dir(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration directory not found"):
        load_settings(tmp_path / "nope", {})
