"""Between the engine's message types and the store's rows.

The store takes and returns plain values and imports nothing above it (#14); the
translation lives here, where both the channels and the bot can reach it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TypedDict

from crm_store.models import Message
from crm_store.repositories.conversations import AddressKey
from dialogs.core.types import Button, ChannelAddress, InboundMessage, Reply


class InboundFields(TypedDict):
    """The keyword arguments of ``MessageRepository.add_inbound`` a message supplies."""

    channel: str
    channel_message_id: str | None
    text: str
    payload: str | None


class ReplyFields(TypedDict):
    """The arguments of ``MessageRepository.add_outbound`` a reply supplies."""

    text: str
    buttons: list[dict[str, str]]
    quick_replies: list[dict[str, str]]


def address_key(address: ChannelAddress) -> AddressKey:
    return AddressKey(address.channel, address.chat_id, address.thread_id)


def inbound_fields(inbound: InboundMessage) -> InboundFields:
    return {
        "channel": inbound.address.channel,
        "channel_message_id": inbound.message_id,
        "text": inbound.text,
        "payload": inbound.payload,
    }


def reply_fields(reply: Reply) -> ReplyFields:
    return {
        "text": reply.text,
        "buttons": [asdict(b) for b in reply.buttons],
        "quick_replies": [asdict(b) for b in reply.quick_replies],
    }


def message_to_reply(message: Message) -> Reply:
    content = message.content or {}
    return Reply(
        text=message.text,
        buttons=tuple(Button(**b) for b in content.get("buttons", ())),
        quick_replies=tuple(Button(**b) for b in content.get("quick_replies", ())),
    )
