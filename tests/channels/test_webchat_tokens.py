"""Signed visitor tokens and the server secret they are signed with."""

from __future__ import annotations

import base64
import json
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from bot.secret_key import SECRET_FILE, load_secret
from bot.settings.model import Settings, load_settings
from channels.webchat.tokens import (
    TokenError,
    VisitorTokens,
    new_visitor_id,
)
from crm_store.clock import FakeClock
from tests.conftest import CONFIG

SECRET = b"0123456789abcdef-test-secret"


def tokens(clock: FakeClock, secret: bytes = SECRET) -> VisitorTokens:
    return VisitorTokens(secret, clock.now, max_age=timedelta(days=30))


def test_a_token_names_its_visitor_until_it_expires(clock: FakeClock) -> None:
    signer = tokens(clock)
    token = signer.issue("v_abc")
    claims = signer.verify(token)
    assert claims.visitor_id == "v_abc"
    assert claims.issued_at == int(clock.now().timestamp())
    clock.advance(days=29, hours=23)
    assert signer.verify(token).visitor_id == "v_abc"
    rotated = signer.issue(claims.visitor_id)  # what every auth hands back
    clock.advance(hours=2)
    with pytest.raises(TokenError) as caught:
        signer.verify(token)
    assert caught.value.reason == "expired"
    assert signer.verify(rotated).visitor_id == "v_abc"


def test_new_visitors_get_unguessable_distinct_ids(clock: FakeClock) -> None:
    signer = tokens(clock)
    ids = {signer.verify(signer.issue()).visitor_id for _ in range(50)}
    assert len(ids) == 50 and all(i.startswith("v_") and len(i) > 20 for i in ids)
    assert new_visitor_id() != new_visitor_id()


def _forge(token: str, **claims: object) -> str:
    head, body, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data.update(claims)
    raw = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{head}.{raw}.{signature}"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: _forge(t, v="v_someone_else"),  # another visitor's conversation
        lambda t: _forge(t, iat=10**10),  # pushed expiry
        lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"),
        lambda t: t.replace("v1.", "v2.", 1),
        lambda t: t + ".extra",
        lambda t: "v1.!!!.###",
        lambda t: "",
        lambda t: "v1.e30.",  # {} with an empty signature
    ],
)
def test_tampered_tokens_are_invalid(clock: FakeClock, mangle) -> None:  # noqa: ANN001
    signer = tokens(clock)
    with pytest.raises(TokenError) as caught:
        signer.verify(mangle(signer.issue("v_mine")))
    assert caught.value.reason == "invalid"


def test_a_token_from_another_server_is_foreign(clock: FakeClock) -> None:
    theirs = tokens(clock, b"another-installation-secret").issue("v_x")
    with pytest.raises(TokenError) as caught:
        tokens(clock).verify(theirs)
    assert caught.value.reason == "invalid"


def test_a_token_issued_in_the_future_is_invalid(clock: FakeClock) -> None:
    later = FakeClock(clock.now() + timedelta(hours=1))
    with pytest.raises(TokenError):
        tokens(clock).verify(tokens(later).issue("v_x"))


def test_short_secrets_are_refused(clock: FakeClock) -> None:
    with pytest.raises(ValueError):
        VisitorTokens(b"short", clock.now)


def _settings(tmp_path: Path, **env: str) -> Settings:
    return load_settings(CONFIG, {"SALESBOT_DATA_DIR": str(tmp_path), **env})


def test_the_secret_comes_from_the_environment_when_set(tmp_path: Path) -> None:
    settings = _settings(tmp_path, SALESBOT_SECRET_KEY="from-the-environment-1234")
    assert load_secret(settings) == b"from-the-environment-1234"
    assert not (tmp_path / SECRET_FILE).exists()


def test_without_one_a_secret_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "data")
    first = load_secret(settings)
    path = tmp_path / "data" / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert load_secret(settings) == first  # stable across restarts: tokens stay valid
    assert [p.name for p in path.parent.iterdir()] == [SECRET_FILE]  # no leftovers


def test_an_unusable_secret_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE).write_bytes(b"tiny")
    with pytest.raises(ValueError, match="delete it"):
        load_secret(_settings(tmp_path))
