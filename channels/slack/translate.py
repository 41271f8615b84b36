"""Pure translation between Slack payloads and salesbot's types (no I/O).

Message ids: a Slack message is identified by its channel and ``ts`` (unique in a channel,
identical in every retry of the event and in every event about the same message), so
``f"{channel}:{ts}"`` is what the store's duplicate guard sees for a customer's message.
A click has no retry and no ts of its own; its ``action_ts`` is unique per click.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from channels.slack import blocks as bk
from channels.slack.escape import escape_text, to_plain_text
from dialogs.core.types import ChannelAddress, InboundMessage, Reply

CHANNEL = "slack"
# Message subtypes that are something a person said; the rest (joins, edits, deletions,
# bot posts) are not relayed or answered.
_SPOKEN = {None, "file_share", "thread_broadcast", "me_message"}

Kind = Literal["customer", "thread", "ignore"]


def is_from_bot(event: dict[str, Any], bot_user_id: str | None = None) -> bool:
    if event.get("bot_id") or event.get("subtype") == "bot_message" or event.get("bot_profile"):
        return True
    return bool(bot_user_id) and event.get("user") == bot_user_id


def classify_message(event: dict[str, Any], bot_user_id: str | None = None) -> Kind:
    """A ``message`` event: a customer's DM, a reply in a channel thread, or nothing for us."""
    if event.get("type") != "message" or event.get("subtype") not in _SPOKEN:
        return "ignore"
    if is_from_bot(event, bot_user_id) or not event.get("user") or not event.get("channel"):
        return "ignore"
    if event.get("channel_type") == "im":
        return "customer"
    thread_ts = event.get("thread_ts")
    if thread_ts and thread_ts != event.get("ts"):
        return "thread"
    return "ignore"


def message_id(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def event_to_inbound(event: dict[str, Any]) -> InboundMessage:
    """A customer's direct message to the bot -> ``InboundMessage``."""
    channel = str(event["channel"])
    return InboundMessage(
        address=ChannelAddress(CHANNEL, channel),
        user_id=str(event["user"]),
        text=to_plain_text(event.get("text") or ""),
        message_id=message_id(channel, str(event["ts"])),
        raw=event,
    )


def action_to_inbound(body: dict[str, Any], action: dict[str, Any]) -> InboundMessage | None:
    """A customer's click on one of our buttons in their DM -> ``InboundMessage``."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    user = (body.get("user") or {}).get("id")
    if not channel or not user:
        return None
    payload = bk.payload_of(str(action.get("action_id", "")), action.get("value"))
    title = ((action.get("text") or {}).get("text")) or ""
    return InboundMessage(
        address=ChannelAddress(CHANNEL, str(channel)),
        user_id=str(user),
        text=title,
        payload=payload,
        message_id=f"action:{channel}:{action.get('action_ts') or body.get('trigger_id')}",
        raw=body,
    )


def reply_to_messages(reply: Reply, role: str = "bot") -> list[dict[str, Any]]:
    """``Reply`` -> one or more ``chat.postMessage`` bodies (``text`` + ``blocks``).

    Buttons and quick replies both become buttons (Slack has no reply keyboard). Text is
    escaped: a bot text may quote the customer, and a rep's text was made plain already.
    """
    text = escape_text(reply.text)
    blocks: list[bk.Block] = []
    if role == "agent":
        blocks.append(bk.context("Sales team"))
    blocks.extend(bk.sections(text))
    blocks.extend(bk.reply_buttons((*reply.buttons, *reply.quick_replies)))
    pages = bk.paginate(blocks)
    return [
        {"text": bk.fallback(text if i == 0 else "…"), "blocks": page}
        for i, page in enumerate(pages)
    ]


@dataclass(frozen=True, slots=True)
class ThreadReply:
    """Someone wrote in a thread of one of our channel messages (maybe a handoff card)."""

    channel: str
    thread_ts: str
    ts: str
    user: str
    text: str  # as typed in Slack (mrkdwn)

    @property
    def dedupe_id(self) -> str:
        return f"slack-reply:{self.channel}:{self.ts}"

    @property
    def is_note(self) -> bool:
        return self.text.lstrip().lower().startswith("note:")


def event_to_thread_reply(event: dict[str, Any]) -> ThreadReply:
    return ThreadReply(
        channel=str(event["channel"]),
        thread_ts=str(event["thread_ts"]),
        ts=str(event["ts"]),
        user=str(event["user"]),
        text=str(event.get("text") or ""),
    )


@dataclass(frozen=True)
class Click:
    """One button click on a desk message, as the listener saw it."""

    payload: str
    user: str
    channel: str | None = None
    message_ts: str | None = None
    thread_ts: str | None = None
    message: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class SlashCommand:
    text: str
    user_id: str
    channel_id: str = ""
    channel_name: str = ""
    response_url: str = ""

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> SlashCommand:
        return cls(
            text=str(body.get("text") or ""),
            user_id=str(body.get("user_id") or ""),
            channel_id=str(body.get("channel_id") or ""),
            channel_name=str(body.get("channel_name") or ""),
            response_url=str(body.get("response_url") or ""),
        )
