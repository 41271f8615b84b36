"""What the log scrubber masks, and what it must leave alone to keep logs useful."""

from __future__ import annotations

import pytest

from bot.privacy.masking import scrub

TOKEN = "7351234567:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("mail Jo@Acme-Rooms.com now", "mail J***@A***.com now"),
        ("wang.wei@example.cn", "w***@e***.cn"),
        ("call +1 617 555 0100.", "call +* *** *** **00."),
        ("(617) 555-0100", "(***) ***-**00"),
        ("电话 13800138000", "电话 *********00"),
        ("+86 138-0013-8000", "+** ***-****-**00"),
        ("chat 735009921", "chat *******21"),  # a Telegram user id is personal too
        (
            f"https://api.telegram.org/bot{TOKEN}/getMe",
            "https://api.telegram.org/bot[redacted]/getMe",
        ),
        ("Authorization: Bearer sbt_abcdefghijkl", "Authorization: Bearer [redacted]"),
        ("token xoxb-1234-5678-abcdefgh", "token [redacted]"),
        ("GET /x?token=abc123&page=2", "GET /x?token=[redacted]&page=2"),
        (
            "v1.eyJ2IjoidjEyMzQ1Njc4OTAiLCJpYXQiOjE3fQ.abcdefghijklmnopqrstuvwxyz012",
            "[redacted]",
        ),
    ],
)
def test_masked(raw: str, masked: str) -> None:
    assert scrub(raw) == masked


@pytest.mark.parametrize(
    "kept",
    [
        "due at 2026-03-02 15:00:00+00:00",
        "confidence 0.8734512",
        "slack ts 1772463600.000100",
        "duplicate telegram message tg-update:815200001 ignored",
        "message 42 of conversation 7 (attempt 3)",
        "salesbot 0.1.0 on 127.0.0.1:8000",
        "contact ids [1, 2, 3, 4, 5, 6, 7]",
    ],
)
def test_left_alone(kept: str) -> None:
    assert scrub(kept) == kept
