"""Logging setup that never prints a secret.

A Telegram token sits inside every Bot API URL, so libraries that log request URLs would
leak it; the filter replaces every configured secret value wherever it appears.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.settings import Settings

REDACTED = "[redacted]"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret containing another is replaced whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            record.msg = self.redact(record.getMessage())
            record.args = None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self.redact(record.exc_text)
        return True


def secret_values(settings: Settings) -> list[str]:
    values = [
        secret.get_secret_value()
        for secret in settings.secrets.model_dump().values()
        if secret is not None
    ]
    return [v for v in values if v]


def configure_logging(settings: Settings) -> RedactSecrets:
    redactor = RedactSecrets(secret_values(settings))
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redactor)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.logging.level)
    return redactor
