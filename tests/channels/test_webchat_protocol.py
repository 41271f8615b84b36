"""Web chat frames, origin check and rate limiting: pure functions, no server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.settings.model import load_settings
from channels.webchat import protocol as p
from channels.webchat.connections import ConnectionRegistry, TokenBucket, WebchatLimits
from channels.webchat.session import origin_allowed
from dialogs.core.types import Button, ChannelAddress, Reply
from dialogs.nlu import language_of_hint


def test_parse_auth_message_and_click() -> None:
    assert p.parse_client_frame('{"type":"auth","token":"t","last_seq":4,"conversation":9}') == (
        p.AuthFrame("t", 4, 9)
    )
    assert p.parse_client_frame(b'{"type":"auth","token":"t","lang":"zh-CN"}') == p.AuthFrame(
        "t", 0, None, "zh-CN"
    )
    assert p.parse_client_frame(
        json.dumps({"type": "message", "text": "你好", "client_msg_id": "a-1"})
    ) == p.MessageFrame("你好", "a-1")
    assert p.parse_client_frame(
        '{"type":"click","payload":"lead:start","title":"Get a quote","client_msg_id":"x.2"}'
    ) == p.ClickFrame("lead:start", "Get a quote", "x.2")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{nope", p.MALFORMED_JSON),
        (b"\xc3\x28", p.MALFORMED_JSON),
        ("[" * 100_000, p.MALFORMED_JSON),
        ('"text"', p.INVALID_FRAME),
        ("{}", p.INVALID_FRAME),
        ('{"type": 3}', p.INVALID_FRAME),
        ('{"type": "subscribe"}', p.UNKNOWN_TYPE),
        ('{"type": "auth"}', p.INVALID_FRAME),
        ('{"type": "auth", "token": "t", "last_seq": -1}', p.INVALID_FRAME),
        ('{"type": "auth", "token": "t", "last_seq": true}', p.INVALID_FRAME),
        ('{"type": "auth", "token": "t", "conversation": "1"}', p.INVALID_FRAME),
        ('{"type": "message", "text": "hi"}', p.INVALID_FRAME),
        ('{"type": "message", "text": "   ", "client_msg_id": "a"}', p.INVALID_FRAME),
        ('{"type": "message", "text": 5, "client_msg_id": "a"}', p.INVALID_FRAME),
        ('{"type": "message", "text": "hi", "client_msg_id": "a b"}', p.INVALID_FRAME),
        ('{"type": "message", "text": "hi", "client_msg_id": "' + "a" * 65 + '"}', p.INVALID_FRAME),
        (
            '{"type": "message", "text": "' + "x" * 2001 + '", "client_msg_id": "a"}',
            p.INVALID_FRAME,
        ),
        ('{"type": "click", "title": "t", "client_msg_id": "a"}', p.INVALID_FRAME),
        (
            '{"type": "click", "payload": "' + "p" * 501 + '", "client_msg_id": "a"}',
            p.INVALID_FRAME,
        ),
    ],
)
def test_bad_frames_raise_protocol_errors_with_precise_codes(raw: str | bytes, code: str) -> None:
    with pytest.raises(p.ProtocolError) as caught:
        p.parse_client_frame(raw)
    assert caught.value.code == code
    assert caught.value.message


def test_serialise_every_server_frame() -> None:
    message = p.ServerMessage(
        3, "bot", "Hi <b>", (Button("Quote", "lead:start"),), (Button("No", "n"),)
    )
    assert json.loads(p.serialise(message)) == {
        "type": "message",
        "seq": 3,
        "role": "bot",
        "text": "Hi <b>",
        "buttons": [{"title": "Quote", "payload": "lead:start"}],
        "quick_replies": [{"title": "No", "payload": "n"}],
    }
    assert json.loads(p.serialise(p.Typing(True))) == {"type": "typing", "on": True}
    assert json.loads(p.serialise(p.ErrorFrame("rate_limited", "slow"))) == {
        "type": "error",
        "code": "rate_limited",
        "message": "slow",
    }
    assert json.loads(p.serialise(p.Ready(7, 2, "tok"))) == {
        "type": "ready",
        "conversation": 7,
        "resume_from": 2,
        "token": "tok",
    }
    assert "token" not in json.loads(p.serialise(p.Ready(None, 0)))
    assert "你好" in p.serialise(p.ServerMessage(1, "bot", "你好"))  # not \u-escaped


def test_inbound_ids_are_scoped_to_the_visitor() -> None:
    text = p.to_inbound(p.MessageFrame("hello", "m1"), "v_a", "en")
    assert text.address == ChannelAddress("webchat", "v_a") and text.user_id == "v_a"
    assert text.message_id == "v_a:m1" and text.payload is None and text.language_hint == "en"
    click = p.to_inbound(p.ClickFrame("lead:start", "Get a quote", "m1"), "v_b")
    assert (click.text, click.payload, click.message_id) == ("Get a quote", "lead:start", "v_b:m1")


def test_message_frame_returns_the_client_id_only_to_its_visitor() -> None:
    reply = Reply("hi", (Button("A", "a"),))
    mine = p.message_frame(4, "customer", reply, "v_a:m1", "v_a")
    assert mine.client_msg_id == "m1" and mine.buttons == reply.buttons
    assert p.message_frame(4, "customer", reply, "v_b:m1", "v_a").client_msg_id is None
    assert p.message_frame(5, "bot", reply, "webchat-1", "v_a").client_msg_id is None


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        (None, "bot.example.com", True),  # not a browser: the token decides
        ("http://localhost:8000", "bot.example.com", True),
        ("http://localhost:8000/", "x", True),
        ("HTTP://LOCALHOST:8000", "x", True),
        ("https://shop.example", "bot.example.com", False),
        ("http://localhost:8001", "bot.example.com", False),
        ("https://bot.example.com", "bot.example.com", True),  # the app's own pages
        ("https://bot.example.com.evil.io", "bot.example.com", False),
        ("null", "bot.example.com", False),
    ],
)
def test_origin_allowlist(origin: str | None, host: str, allowed: bool) -> None:
    configured = ("http://localhost:8000", "http://127.0.0.1:8000")
    assert origin_allowed(origin, host, configured) is allowed
    assert origin_allowed("https://anything.example", host, ("*",))


def test_language_hint() -> None:
    assert [language_of_hint(x) for x in ("zh-CN", "en-GB", "de", None)] == ["zh", "en", None, None]


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    bucket = TokenBucket(rate=5, burst=10, now=0.0)
    assert [bucket.take(0.0) for _ in range(11)] == [True] * 10 + [False]
    assert bucket.take(0.2) and not bucket.take(0.2)  # one token per 1/5 s
    assert sum(bucket.take(100.0) for _ in range(20)) == 10  # never more than the burst


def test_registry_caps_connections_per_ip_and_forgets_idle_visitors() -> None:
    now = [0.0]
    registry = ConnectionRegistry(
        WebchatLimits(connections_per_ip=2, message_burst=1), lambda: now[0]
    )
    assert registry.admit_ip("1.1.1.1") and registry.admit_ip("1.1.1.1")
    assert not registry.admit_ip("1.1.1.1")
    assert registry.admit_ip("2.2.2.2")  # another address is not affected
    registry.release_ip("1.1.1.1")
    assert registry.admit_ip("1.1.1.1")
    assert registry.connections_from("1.1.1.1") == 2

    from channels.webchat.connections import Connection

    a = Connection(transport=None, visitor_id="v", timeout=1)  # type: ignore[arg-type]
    b = Connection(transport=None, visitor_id="v", timeout=1)  # type: ignore[arg-type]
    visitor = registry.attach(a)
    assert registry.attach(b) is visitor and len(registry) == 2
    assert registry.allow_message(visitor) and not registry.allow_message(visitor)  # shared
    registry.detach(a)
    assert registry.get("v") is visitor
    registry.detach(b)
    assert registry.get("v") is None and len(registry) == 0


def test_limits_come_from_the_web_chat_settings(tmp_path: Path) -> None:
    environ = {
        "SALESBOT_DATA_DIR": str(tmp_path),
        "SALESBOT_CHANNELS__WEBCHAT__MAX_CONNECTIONS_PER_IP": "3",
        "SALESBOT_CHANNELS__WEBCHAT__MESSAGE_BURST": "4",
    }
    webchat = load_settings(Path(__file__).resolve().parents[2] / "config", environ)
    limits = WebchatLimits.from_settings(webchat.channels.webchat)
    assert (limits.connections_per_ip, limits.message_burst) == (3, 4)
    assert limits.messages_per_second == WebchatLimits().messages_per_second


def test_the_browsers_time_zone_is_a_hint_for_each_message() -> None:
    """#16: the widget sends its IANA zone in the auth frame; an unknown one is dropped."""
    frame = p.parse_client_frame('{"type":"auth","token":"t","timezone":"Europe/London"}')
    assert frame == p.AuthFrame("t", 0, None, None, "Europe/London")
    for junk in ("Mars/Olympus", "../../etc/passwd", ""):
        auth = json.dumps({"type": "auth", "token": "t", "timezone": junk})
        assert p.parse_client_frame(auth) == p.AuthFrame("t")
    inbound = p.to_inbound(p.MessageFrame("hi", "m1"), "v_a", "en", "Europe/London")
    assert (inbound.language_hint, inbound.timezone_hint) == ("en", "Europe/London")
