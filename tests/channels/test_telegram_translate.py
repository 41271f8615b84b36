"""Telegram updates -> InboundMessage (#5): real Bot API payloads, group rules, commands."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from aiogram.types import Update

from channels.telegram.translate import (
    BotIdentity,
    callback_to_inbound,
    message_to_inbound,
    parse_command,
)
from dialogs.core.types import ChannelAddress
from tests.channels.telegram_kit import fixture
from tests.fakes.telegram_api import BOT_ID, BOT_USERNAME

ME = BotIdentity(BOT_ID, BOT_USERNAME)
GROUP = "-1001234567890"


def inbound_of(payload: dict[str, Any], **kw: Any):  # noqa: ANN201
    update = Update.model_validate(payload)
    if update.callback_query is not None:
        return callback_to_inbound(update.callback_query, update.update_id)
    assert update.message is not None
    return message_to_inbound(update.message, update.update_id, ME, **kw)


def with_text(name: str, text: str, entities: list[dict[str, Any]] | None = None) -> dict:
    payload = copy.deepcopy(fixture(name))
    payload["message"]["text"] = text
    payload["message"].pop("entities", None)
    if entities is not None:
        payload["message"]["entities"] = entities
    return payload


def test_private_text_message() -> None:
    inbound = inbound_of(fixture("private_text"))
    assert inbound.address == ChannelAddress("telegram", "111111111", "")
    assert inbound.user_id == "111111111"
    assert inbound.text == "How much is the Auralis Cam 4K?"
    assert inbound.payload is None
    assert inbound.message_id == "tg-update:815200001"
    assert inbound.display_name == "Ann Lee"
    assert inbound.language_hint == "en"
    assert inbound.raw.from_user.username == "annlee"  # the username travels in raw


def test_callback_query_uses_update_id_and_button_title() -> None:
    inbound = inbound_of(fixture("callback_query"))
    assert inbound.payload == "lead:start"
    assert inbound.text == "Get a quote"
    assert inbound.message_id == "tg-update:815200002"
    assert inbound.address == ChannelAddress("telegram", "111111111", "")


def test_start_deep_link_carries_campaign_and_no_text() -> None:
    inbound = inbound_of(fixture("start_deep_link"))
    assert inbound.campaign == "spring_campaign"
    assert inbound.payload == "help:start"
    # No "/start" text, so the language comes from the Telegram app language (zh-hans).
    assert inbound.text == ""
    assert inbound.language_hint == "zh"  # Telegram says zh-hans
    assert inbound.display_name == "伟 王"


@pytest.mark.parametrize(
    ("text", "campaign"),
    [
        ("/start", None),
        ("/start bad param!", None),
        ("/start " + "x" * 65, None),
        ("/start A-1_b", "A-1_b"),
    ],
)
def test_deep_link_parameter_must_be_valid(text: str, campaign: str | None) -> None:
    inbound = inbound_of(with_text("start_deep_link", text))
    assert inbound.payload == "help:start" and inbound.campaign == campaign


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("/help", "help"),
        ("/human", "handoff:request"),
        ("/stop", "privacy:stop"),
        ("/language zh", "lang:zh"),
        ("/language 中文", "lang:zh"),
        ("/language English", "lang:en"),
        ("/language", "lang:choose"),
        (f"/help@{BOT_USERNAME}", "help"),
    ],
)
def test_commands_become_payloads(text: str, payload: str) -> None:
    inbound = inbound_of(with_text("private_text", text))
    assert inbound.payload == payload and inbound.text == ""


def test_unknown_command_is_plain_text_and_other_bots_commands_are_ignored() -> None:
    assert inbound_of(with_text("private_text", "/pricing")).text == "/pricing"
    assert inbound_of(with_text("private_text", "/help@some_other_bot")) is None


def test_parse_command() -> None:
    command = parse_command("/start@Auralis_Sales_Bot  spring ")
    assert command is not None
    assert (command.name, command.mention, command.args) == ("start", "Auralis_Sales_Bot", "spring")
    assert parse_command("hello /start") is None


def test_group_message_with_mention_is_answered_without_the_mention() -> None:
    inbound = inbound_of(fixture("group_mention"))
    assert inbound.address == ChannelAddress("telegram", GROUP, "")
    assert inbound.user_id == "333333333"  # the member is the contact, the group the address
    assert inbound.text == "does the Auralis Bar work with Zoom?"
    assert inbound.display_name == "Carlos Díaz"


def test_group_reply_to_the_bot_is_answered_in_the_group_conversation() -> None:
    inbound = inbound_of(fixture("group_reply"))
    # A reply thread in an ordinary supergroup is not a conversation of its own.
    assert inbound.address == ChannelAddress("telegram", GROUP, "")
    assert inbound.user_id == "444444444"
    assert inbound.text == "and what does it cost?"


def test_group_message_neither_mentioning_nor_replying_is_ignored() -> None:
    assert inbound_of(fixture("group_plain")) is None
    reply_to_someone_else = copy.deepcopy(fixture("group_reply"))
    reply_to_someone_else["message"]["reply_to_message"]["from"] = {
        "id": 333333333,
        "is_bot": False,
        "first_name": "Carlos",
    }
    assert inbound_of(reply_to_someone_else) is None


def test_group_mention_of_someone_else_is_ignored() -> None:
    payload = with_text(
        "group_mention",
        "@cdiaz can you ask the bot?",
        [{"offset": 0, "length": 6, "type": "mention"}],
    )
    assert inbound_of(payload) is None


def test_group_text_mention_and_bare_mention() -> None:
    text_mention = with_text(
        "group_mention",
        "Auralis, what is the warranty?",
        [
            {
                "offset": 0,
                "length": 7,
                "type": "text_mention",
                "user": {"id": BOT_ID, "is_bot": True, "first_name": "Auralis"},
            }
        ],
    )
    assert inbound_of(text_mention).text == "Auralis, what is the warranty?"
    bare = with_text(
        "group_mention", f"@{BOT_USERNAME}", [{"offset": 0, "length": 18, "type": "mention"}]
    )
    assert inbound_of(bare).payload == "help"


def test_group_commands_are_answered_only_if_known_or_addressed() -> None:
    assert inbound_of(with_text("group_plain", "/help")).payload == "help"
    assert inbound_of(with_text("group_plain", "/pricing")) is None  # maybe another bot's
    assert inbound_of(with_text("group_plain", f"/pricing@{BOT_USERNAME}")).text == "/pricing"


def test_forum_topic_is_its_own_conversation() -> None:
    inbound = inbound_of(fixture("forum_topic"))
    assert inbound.address == ChannelAddress("telegram", "-1009876543210", "77")
    assert inbound.text == "how much is Auralis Cloud Pro?"
    # Every topic message "replies" to the topic's creation message: that is no reply to us.
    unmentioned = with_text("forum_topic", "thanks all")
    unmentioned["message"]["reply_to_message"]["from"] = {
        "id": BOT_ID,
        "is_bot": True,
        "first_name": "Auralis",
    }
    assert inbound_of(unmentioned) is None


def test_messages_from_bots_channels_and_empty_messages_are_ignored() -> None:
    from_bot = copy.deepcopy(fixture("private_text"))
    from_bot["message"]["from"]["is_bot"] = True
    assert inbound_of(from_bot) is None
    sticker = copy.deepcopy(fixture("private_text"))
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {
        "file_id": "x",
        "file_unique_id": "y",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    assert inbound_of(sticker) is None
    caption = copy.deepcopy(sticker)
    caption["message"]["caption"] = "is this the Cam 4K?"
    assert inbound_of(caption).text == "is this the Cam 4K?"


def test_callback_in_a_forum_topic_and_from_an_old_message() -> None:
    payload = copy.deepcopy(fixture("callback_query"))
    message = payload["callback_query"]["message"]
    message["chat"] = {"id": -1009876543210, "type": "supergroup", "is_forum": True, "title": "P"}
    message["message_thread_id"] = 77
    message["is_topic_message"] = True
    inbound = inbound_of(payload)
    assert inbound.address == ChannelAddress("telegram", "-1009876543210", "77")
    assert inbound.user_id == "111111111"
    # Telegram sends an InaccessibleMessage (date 0) for messages older than 48 hours.
    old = copy.deepcopy(fixture("callback_query"))
    old["callback_query"]["message"] = {
        "message_id": 12,
        "chat": {"id": 111111111, "type": "private"},
        "date": 0,
    }
    inbound = inbound_of(old)
    assert inbound.payload == "lead:start" and inbound.text == ""
