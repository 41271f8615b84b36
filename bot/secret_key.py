"""The server secret behind visitor tokens, dashboard sessions and suppression hashes.

Each user derives its own key from it (a purpose-specific HMAC or salt), so one leaked
derived key does not expose the others.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from bot.settings.model import Settings

log = logging.getLogger(__name__)

SECRET_FILE = "secret_key"


def load_secret(settings: Settings) -> bytes:
    """``SALESBOT_SECRET_KEY`` if set; else a random key generated once in ``data_dir``.

    The generated file (mode 0600) lets the quick start work without configuration and keeps
    visitors' tokens, dashboard sessions and suppression hashes valid across restarts.
    Several workers need the same key: set the environment variable in production.
    """
    configured = settings.secrets.secret_key
    if configured is not None:
        return configured.get_secret_value().encode()
    return _persisted_secret(settings.data_dir / SECRET_FILE)


def _persisted_secret(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written aside and linked into place: a second process starting at the same moment
        # either wins the link or reads the complete winner, never a half-written file.
        aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_urlsafe(48).encode())
        try:
            os.link(aside, path)
            log.info("generated the server secret in %s", path)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning("%s is readable by other users (mode %o): chmod 600 it", path, mode)
    secret = path.read_bytes().strip()
    if len(secret) < 16:
        raise ValueError(f"{path} holds no usable secret; delete it to generate a new one")
    return secret
