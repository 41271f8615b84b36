"""The Telegram channel in webhook mode (#5): secret, exactly-once, groups, deep links,
hashed callback data, 429 and long answers, all through the fake Bot API server."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from sqlalchemy import func, select

from channels.telegram.render import callback_data
from crm_store.models import ChannelIdentity, Conversation, Delivery, Lead, Message, Role
from crm_store.uow import UnitOfWork
from dialogs.core.transcript import address_key, reply_fields
from dialogs.core.types import Button, ChannelAddress, Reply
from tests.channels.telegram_kit import (  # noqa: F401
    Rig,
    fake_telegram_fixture,
    fixture,
    rig_parts_fixture,
    webhook_rig_fixture,
)
from tests.channels.test_telegram_e2e import LEAD_CAPTURE, TAGS
from tests.fakes.telegram_api import BOT_ID

GROUP = -1001234567890


async def count(rig: Rig, model: type) -> int:
    async with UnitOfWork(rig.db, rig.clock) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def messages(rig: Rig) -> list[Message]:
    async with UnitOfWork(rig.db, rig.clock) as uow:
        return list((await uow.session.scalars(select(Message).order_by(Message.id))).all())


async def conversations(rig: Rig) -> list[Conversation]:
    async with UnitOfWork(rig.db, rig.clock) as uow:
        rows = await uow.session.scalars(select(Conversation).order_by(Conversation.id))
        return list(rows.all())


# ── the secret ───────────────────────────────────────────────────────────


async def test_missing_or_wrong_secret_is_401_and_changes_nothing(webhook_rig: Rig) -> None:
    for secret in (None, "", "wrong-secret", "s3cr3t-webhook_token ", "S3CR3T-webhook_token"):
        response = await webhook_rig.post(fixture("private_text"), secret=secret)
        assert response.status_code == 401, secret
    assert await count(webhook_rig, Message) == 0
    assert await count(webhook_rig, ChannelIdentity) == 0
    assert webhook_rig.server.of("sendMessage") == []
    # The right secret is let in, so the 401 was about the secret.
    assert (await webhook_rig.post(fixture("private_text"))).status_code == 200
    assert await count(webhook_rig, Message) == 2


async def test_malformed_bodies_are_refused_and_change_nothing(webhook_rig: Rig) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cr3t-webhook_token"}
    bad_json = await webhook_rig.client.post("/telegram/webhook", content=b"{", headers=headers)
    not_update = await webhook_rig.client.post(
        "/telegram/webhook", json={"hello": "world"}, headers=headers
    )
    assert (bad_json.status_code, not_update.status_code) == (400, 400)
    assert await count(webhook_rig, Message) == 0


async def test_an_edited_message_is_acknowledged_and_ignored(webhook_rig: Rig) -> None:
    response = await webhook_rig.post(fixture("edited_message"))
    assert response.status_code == 200
    assert await count(webhook_rig, Message) == 0
    assert webhook_rig.server.of("sendMessage") == []


async def test_an_update_is_stored_before_200_and_a_failure_makes_telegram_retry(
    webhook_rig: Rig,
) -> None:
    real_receive = webhook_rig.hub.receive
    calls = []

    async def broken_once(inbound):  # noqa: ANN001, ANN202
        calls.append(inbound.message_id)
        if len(calls) == 1:
            raise ConnectionError("database went away")
        return await real_receive(inbound)

    webhook_rig.hub.receive = broken_once  # type: ignore[method-assign]
    update = fixture("private_text")
    assert (await webhook_rig.post(update)).status_code == 500
    assert await count(webhook_rig, Message) == 0
    assert (await webhook_rig.post(update)).status_code == 200  # Telegram's retry
    stored = await messages(webhook_rig)
    assert [(m.role, m.delivery) for m in stored] == [
        (Role.CUSTOMER.value, Delivery.RECEIVED.value),
        (Role.BOT.value, Delivery.DELIVERED.value),  # committed, then sent, before the 200
    ]
    assert stored[0].channel_message_id == "tg-update:815200001"


# ── exactly once ─────────────────────────────────────────────────────────


async def test_the_same_update_three_times_also_concurrently_gives_one_lead_and_one_reply(
    webhook_rig: Rig,
) -> None:
    rig = webhook_rig
    chat_id = 5550003
    user = rig.updates.user(chat_id, first_name="Jo")
    *form, (_, consent) = LEAD_CAPTURE
    for action, template in form:
        value = template.format(**TAGS["telegram"])
        await (rig.say if action == "say" else rig.click)(chat_id, value, user=user)
    shown = rig.last_sent(chat_id)
    click = rig.updates.click(copy.deepcopy(shown), callback_data(consent), user=user)
    before = len(rig.server.sent(chat_id))

    concurrent = await asyncio.gather(*(rig.post(click) for _ in range(2)))
    again = await rig.post(click)

    assert [r.status_code for r in (*concurrent, again)] == [200, 200, 200]
    assert await count(rig, Lead) == 1
    assert len(rig.server.sent(chat_id)) == before + 1  # one reply: "qualified"
    assert sorted(r.status for r in rig.receipts[-3:]) == ["duplicate", "duplicate", "handled"]
    answered = [c.params["callback_query_id"] for c in rig.server.of("answerCallbackQuery")]
    assert answered.count(click["callback_query"]["id"]) == 1


async def test_the_same_text_update_three_times_concurrently_is_answered_once(
    webhook_rig: Rig,
) -> None:
    update = fixture("private_text")
    responses = await asyncio.gather(*(webhook_rig.post(update) for _ in range(3)))
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len(webhook_rig.server.sent(111111111)) == 1
    assert await count(webhook_rig, Message) == 2


# ── groups ───────────────────────────────────────────────────────────────


async def test_group_answers_only_when_mentioned_or_replied_to(webhook_rig: Rig) -> None:
    rig = webhook_rig
    await rig.deliver(fixture("group_plain"))
    assert rig.server.sent(GROUP) == [] and await count(rig, Message) == 0

    await rig.deliver(fixture("group_mention"))
    assert len(rig.server.sent(GROUP)) == 1

    reply = fixture("group_reply")  # Dana replies to a message of the bot
    await rig.deliver(reply)
    assert len(rig.server.sent(GROUP)) == 2

    [conversation] = await conversations(rig)  # one conversation: the group
    assert (conversation.chat_id, conversation.thread_id) == (str(GROUP), "")
    async with UnitOfWork(rig.db, rig.clock) as uow:
        carlos = await uow.contacts.by_identity("telegram", "333333333")
        dana = await uow.contacts.by_identity("telegram", "444444444")
        assert carlos is not None and dana is not None and carlos.id != dana.id
        assert (carlos.name, dana.name) == ("Carlos Díaz", "Dana")
    # The replies went to the group, not to the members privately.
    assert {m["chat_id"] for m in rig.server.sent()} == {str(GROUP)}


async def test_a_forum_topic_is_its_own_conversation_and_is_answered_in_the_topic(
    webhook_rig: Rig,
) -> None:
    rig = webhook_rig
    await rig.deliver(fixture("forum_topic"))
    general = copy.deepcopy(fixture("forum_topic"))
    general["update_id"] += 100
    for key in ("message_thread_id", "is_topic_message", "reply_to_message"):
        general["message"].pop(key)
    await rig.deliver(general)
    topic, main = await conversations(rig)
    assert (topic.chat_id, topic.thread_id) == ("-1009876543210", "77")
    assert (main.chat_id, main.thread_id) == ("-1009876543210", "")
    in_topic, in_general = rig.server.sent(-1009876543210)
    assert in_topic["message_thread_id"] == "77"
    assert "message_thread_id" not in in_general


# ── deep links, language, names ──────────────────────────────────────────


async def test_deep_link_campaign_becomes_the_lead_source(webhook_rig: Rig) -> None:
    rig = webhook_rig
    start = fixture("start_deep_link")
    chat_id = start["message"]["chat"]["id"]
    user = start["message"]["from"]
    await rig.deliver(start)
    [welcome] = rig.server.sent(chat_id)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in welcome["text"])  # Chinese, from zh-hans
    await rig.click(chat_id, "lead:start", user=user)
    answers = ["wang.wei@example.cn", "13800138000", "跳过", "二十五间"]
    for answer in answers:
        await rig.say(chat_id, answer, user=user)
    for payload in ("lead:choice:bar", "lead:choice:lt1m"):
        await rig.click(chat_id, payload, user=user)
    await rig.say(chat_id, "3万美元", user=user)
    await rig.click(chat_id, "lead:consent:yes", user=user)
    async with UnitOfWork(rig.db, rig.clock) as uow:
        [lead] = (await uow.session.scalars(select(Lead))).all()
        contact = await uow.contacts.get(lead.contact_id)
    assert (lead.campaign, lead.source_channel) == ("spring_campaign", "telegram")
    assert (contact.name, contact.language) == ("伟 王", "zh")


# ── callback data, 429, long answers, relayed reps ───────────────────────


async def outbound(rig: Rig, address: ChannelAddress, reply: Reply, role: Role = Role.BOT) -> int:
    """Put a reply in the conversation's outbox and deliver it, as the hub does."""
    async with UnitOfWork(rig.db, rig.clock) as uow:
        conversation = await uow.conversations.open_at(address_key(address))
        assert conversation is not None
        await uow.messages.add_outbound(conversation, **reply_fields(reply), role=role)
        conversation_id = conversation.id
    return await rig.hub.outbox.deliver(conversation_id)


async def test_chinese_and_long_payloads_fit_64_bytes_and_come_back_whole(
    webhook_rig: Rig,
) -> None:
    rig = webhook_rig
    await rig.deliver(fixture("private_text"))
    address = ChannelAddress("telegram", "111111111")
    long_payloads = ["survey:comment:价格太贵了，但是服务很好", "lead:note:" + "x" * 80]
    reply = Reply(
        "请选择", buttons=tuple(Button(f"选项{i}", p) for i, p in enumerate(long_payloads))
    )
    assert await outbound(rig, address, reply) == 1
    shown = rig.last_sent(111111111)
    data = [b["callback_data"] for row in shown["reply_markup"]["inline_keyboard"] for b in row]
    assert all(len(d.encode()) <= 64 for d in data) and all(d.startswith("h:") for d in data)

    user = fixture("private_text")["message"]["from"]
    await rig.deliver(rig.updates.click(shown, data[0], user=user))
    stored = (await messages(rig))[-2:]  # the click and the bot's answer to it
    assert stored[0].payload == long_payloads[0]
    assert stored[0].text == "选项0"
    assert rig.server.of("answerCallbackQuery")


async def test_429_is_waited_out_and_the_reply_delivered_once(webhook_rig: Rig) -> None:
    rig = webhook_rig
    rig.server.fail_next("sendMessage", error_code=429, retry_after=3)
    await rig.deliver(fixture("private_text"))
    assert len(rig.server.of("sendMessage")) == 2  # refused, then accepted
    assert len(rig.server.sent(111111111)) == 1
    assert 3 in rig.time.sleeps
    bot_rows = [m for m in await messages(rig) if m.role == Role.BOT.value]
    assert [(m.delivery, m.attempts) for m in bot_rows] == [(Delivery.DELIVERED.value, 1)]


async def test_a_10000_character_rep_message_arrives_split_and_marked(webhook_rig: Rig) -> None:
    rig = webhook_rig
    await rig.deliver(fixture("private_text"))
    paragraph = "我们的销售代表会在今天下午给您回电。Thanks for your patience! "
    text = "\n\n".join(paragraph * 8 for _ in range(30))[:10_000]
    address = ChannelAddress("telegram", "111111111")
    await outbound(rig, address, Reply(text), role=Role.AGENT)
    parts = rig.server.sent(111111111)[1:]
    assert len(parts) == 3
    assert all(len(p["text"].encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert parts[0]["text"].startswith("👤 ")
    async with UnitOfWork(rig.db, rig.clock) as uow:
        row = (await uow.session.scalars(select(Message).where(Message.role == "agent"))).one()
    assert row.delivery == Delivery.DELIVERED.value
    assert row.channel_message_id == str(parts[-1]["_message_id"])


async def test_commands_are_registered_in_both_languages(webhook_rig: Rig) -> None:
    calls = webhook_rig.server.of("setMyCommands")
    by_language: dict[Any, list[str]] = {
        c.params.get("language_code"): [x["command"] for x in c.params["commands"]] for c in calls
    }
    assert by_language == {
        None: ["help", "language", "human", "stop"],
        "zh": ["help", "language", "human", "stop"],
    }
    # Webhook mode leaves the webhook alone (no deleteWebhook) and never polls.
    assert webhook_rig.server.of("deleteWebhook") == []
    assert webhook_rig.server.of("getUpdates") == []
    assert BOT_ID  # the fake bot's id is the token's prefix


async def test_a_tapped_reply_keyboard_button_keeps_its_payload_and_the_keyboard_goes(
    webhook_rig: Rig,
) -> None:
    rig = webhook_rig
    await rig.deliver(fixture("private_text"))
    address = ChannelAddress("telegram", "111111111")
    quick = Reply("Shall we?", quick_replies=(Button("Yes", "lead:start"), Button("No", "x:no")))
    await outbound(rig, address, quick)
    assert rig.last_sent(111111111)["reply_markup"]["keyboard"] == [
        [{"text": "Yes"}, {"text": "No"}]
    ]
    user = fixture("private_text")["message"]["from"]
    await rig.say(111111111, "Yes", user=user)  # what Telegram sends for a tap
    tapped = [m for m in await messages(rig) if m.role == Role.CUSTOMER.value][-1]
    assert (tapped.text, tapped.payload) == ("Yes", "lead:start")
    after = rig.server.sent(111111111)[-2:]  # the lead form's start and first question
    assert after[0]["reply_markup"] == {"remove_keyboard": True}
