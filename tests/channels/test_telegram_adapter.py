"""Sending within Telegram's limits (#5): pace per chat and group, 429 handling, errors.

The adapter talks to the fake Bot API server through aiogram's real HTTP client; the
limiter's clock is virtual, so waits are checked without sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from channels.base import DeliveryError
from channels.telegram.adapter import TelegramAdapter
from channels.telegram.channel import make_bot
from channels.telegram.limiter import SendLimiter, SlidingWindow
from dialogs.core.types import Button, ChannelAddress, Reply
from tests.channels.telegram_kit import ManualTime, VirtualTime, fake_telegram_fixture  # noqa: F401
from tests.fakes.telegram_api import TOKEN, FakeTelegram

ANN = ChannelAddress("telegram", "111")
BOB = ChannelAddress("telegram", "222")
GROUP = ChannelAddress("telegram", "-1001")


# ── the limiter's arithmetic ─────────────────────────────────────────────


async def test_one_message_per_second_per_chat_and_chats_are_independent() -> None:
    time = VirtualTime()
    limiter = SendLimiter(monotonic=time.monotonic, sleep=time.sleep)
    waits = [await limiter.acquire("111", group=False) for _ in range(3)]
    assert waits == [0.0, 1.0, 1.0]
    assert await limiter.acquire("222", group=False) == 0.0


async def test_at_most_20_messages_in_any_minute_to_a_group() -> None:
    time = VirtualTime()
    limiter = SendLimiter(monotonic=time.monotonic, sleep=time.sleep)
    sent_at = []
    for _ in range(45):
        await limiter.acquire("-1001", group=True)
        sent_at.append(time.now)
    for i, moment in enumerate(sent_at):
        in_window = [t for t in sent_at if moment <= t < moment + 60]
        assert len(in_window) <= 20, i
    assert sent_at[20] - sent_at[0] == pytest.approx(60.0)
    assert sent_at[19] - sent_at[0] == pytest.approx(19.0)  # still one per second before


def test_at_most_30_per_second_overall() -> None:
    window = SlidingWindow(30, 1.0)
    delays = [window.reserve(0.0) for _ in range(61)]
    assert delays[:30] == [0.0] * 30
    assert delays[30] == 1.0 and delays[59] == 1.0 and delays[60] == 2.0


async def test_a_chat_held_by_429_does_not_hold_up_other_chats() -> None:
    time = ManualTime()
    limiter = SendLimiter(monotonic=time.monotonic, sleep=time.sleep)
    limiter.hold("111", 30)
    held = asyncio.create_task(limiter.acquire("111", group=False))
    await asyncio.sleep(0)
    assert time.sleeping == 1
    assert await limiter.acquire("222", group=False) == 0.0  # other chats keep flowing
    await time.advance(29)
    assert not held.done()
    await time.advance(1)
    assert await held == 30


# ── the adapter over HTTP ───────────────────────────────────────────────


@pytest.fixture
async def adapter(fake_telegram: FakeTelegram) -> AsyncIterator[TelegramAdapter]:
    time = VirtualTime()
    bot = make_bot(TOKEN, fake_telegram.base_url)
    adapter = TelegramAdapter(bot, SendLimiter(monotonic=time.monotonic, sleep=time.sleep))
    adapter.time = time  # type: ignore[attr-defined]
    yield adapter
    await bot.session.close()


async def test_send_returns_the_telegram_message_id(
    adapter: TelegramAdapter,
    fake_telegram: FakeTelegram,
) -> None:
    platform_id = await adapter.send(ANN, Reply("Hello <you>"))
    (params,) = fake_telegram.sent(111)
    assert platform_id == "1001"
    assert params["text"] == "Hello &lt;you&gt;" and params["parse_mode"] == "HTML"
    assert fake_telegram.calls[-1].token == TOKEN


async def test_429_is_waited_out_and_the_message_delivered_once(
    adapter: TelegramAdapter,
    fake_telegram: FakeTelegram,
) -> None:
    fake_telegram.fail_next("sendMessage", error_code=429, retry_after=7)
    await adapter.send(ANN, Reply("Your quote is ready."))
    attempts = fake_telegram.of("sendMessage")
    assert len(attempts) == 2  # refused once, then sent
    assert [p["text"] for p in fake_telegram.sent(111)] == ["Your quote is ready."]
    assert adapter.time.sleeps == [7]  # type: ignore[attr-defined]


async def test_other_chats_keep_flowing_while_one_waits_for_429(
    fake_telegram: FakeTelegram,
) -> None:
    time = ManualTime()
    bot = make_bot(TOKEN, fake_telegram.base_url)
    adapter = TelegramAdapter(bot, SendLimiter(monotonic=time.monotonic, sleep=time.sleep))
    try:
        fake_telegram.fail_next("sendMessage", error_code=429, retry_after=5)
        ann = asyncio.create_task(adapter.send(ANN, Reply("for Ann")))
        await fake_telegram.wait_for("sendMessage", 1)
        await asyncio.wait_for(time.someone_sleeps.wait(), 5)  # Ann waits out her 429
        await adapter.send(BOB, Reply("for Bob"))
        assert [p["text"] for p in fake_telegram.sent()] == ["for Bob"]
        assert not ann.done()
        await time.advance(5)
        await ann
        assert [p["text"] for p in fake_telegram.sent()] == ["for Bob", "for Ann"]
    finally:
        await bot.session.close()


async def test_a_long_retry_after_goes_back_to_the_outbox(
    adapter: TelegramAdapter,
    fake_telegram: FakeTelegram,
) -> None:
    fake_telegram.fail_next("sendMessage", error_code=429, retry_after=600)
    with pytest.raises(DeliveryError) as raised:
        await adapter.send(ANN, Reply("later"))
    assert raised.value.transient and raised.value.retry_after == 600
    assert fake_telegram.sent() == []


async def test_blocked_by_the_user_is_permanent_and_server_errors_are_transient(
    adapter: TelegramAdapter,
    fake_telegram: FakeTelegram,
) -> None:
    fake_telegram.fail_next(
        "sendMessage", error_code=403, description="Forbidden: bot was blocked by the user"
    )
    with pytest.raises(DeliveryError) as blocked:
        await adapter.send(ANN, Reply("hi"))
    assert not blocked.value.transient
    fake_telegram.fail_next("sendMessage", error_code=502, description="Bad Gateway")
    with pytest.raises(DeliveryError) as bad_gateway:
        await adapter.send(ANN, Reply("hi"))
    assert bad_gateway.value.transient
    assert TOKEN not in str(blocked.value) and TOKEN not in str(bad_gateway.value)


async def test_network_errors_never_show_the_token() -> None:
    bot = make_bot(TOKEN, "http://127.0.0.1:9")  # nothing listens on the discard port
    adapter = TelegramAdapter(bot, SendLimiter())
    try:
        with pytest.raises(DeliveryError) as raised:
            await adapter.send(ANN, Reply("hi"))
        assert raised.value.transient
        assert TOKEN not in str(raised.value) and TOKEN.split(":")[1] not in str(raised.value)
    finally:
        await bot.session.close()


async def test_a_retried_split_reply_does_not_repeat_parts_already_sent(
    adapter: TelegramAdapter,
    fake_telegram: FakeTelegram,
) -> None:
    text = "\n\n".join(f"Paragraph {i}. " + "word " * 700 for i in range(3))  # ~10,600 chars
    # The second part fails once with a server error; the outbox then retries the reply.
    sent_parts: list[str] = []
    original = adapter.bot.send_message

    async def flaky(**kwargs):  # noqa: ANN003, ANN202
        if len(sent_parts) == 1 and not getattr(flaky, "failed", False):
            flaky.failed = True  # type: ignore[attr-defined]
            fake_telegram.fail_next("sendMessage", error_code=500, description="oops")
        message = await original(**kwargs)
        sent_parts.append(kwargs["text"])
        return message

    adapter.bot.send_message = flaky  # type: ignore[method-assign]
    with pytest.raises(DeliveryError):
        await adapter.send(ANN, Reply(text))
    await adapter.send(ANN, Reply(text))  # the outbox's retry
    texts = [p["text"] for p in fake_telegram.sent(111)]
    assert len(texts) == 3 and len(set(texts)) == 3
    assert texts[0].startswith("Paragraph 0") and texts[2].startswith("Paragraph 2")


async def test_a_reply_keyboard_stays_until_the_next_plain_message(
    adapter: TelegramAdapter,
    fake_telegram: FakeTelegram,
) -> None:
    await adapter.send(ANN, Reply("Book it?", quick_replies=(Button("Yes", "book:yes"),)))
    await adapter.send(ANN, Reply("Done."))
    first, second = fake_telegram.sent(111)
    assert first["reply_markup"]["keyboard"] == [[{"text": "Yes"}]]
    assert second["reply_markup"] == {"remove_keyboard": True}


async def test_group_messages_are_paced_by_the_group_limit(
    adapter: TelegramAdapter,
    fake_telegram: FakeTelegram,
) -> None:
    for i in range(21):
        await adapter.send(GROUP, Reply(f"m{i}"))
    assert len(fake_telegram.sent(-1001)) == 21
    assert sum(adapter.time.sleeps) == pytest.approx(60.0)  # type: ignore[attr-defined]
