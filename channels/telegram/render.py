"""``Reply`` -> ``sendMessage`` arguments: escaped HTML, split texts, native keyboards.

Pure functions, so what a customer sees is tested without a network.

- Text is sent with ``parse_mode=HTML`` and everything in it escaped: a product name or a
  customer's own words can never turn into markup (or break the message with a stray ``<``).
- Buttons become an inline keyboard whose callback data stays within Telegram's 64 bytes:
  longer or non-ASCII payloads are sent as a short digest (``dialogs.core.payloads``) that the hub
  maps back to the payload from the conversation's recent outbound buttons; no table is needed.
- Quick replies become a reply keyboard in private chats, removed with the next message that
  has none. In groups a reply keyboard would pop up for every member, so there they are
  inline buttons too.
- Texts over 4096 characters are split on paragraph, line or sentence boundaries; the
  keyboard goes on the last part, where the customer's eyes are.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from channels.telegram.textsplit import TELEGRAM_LIMIT, split_text, utf16_len
from dialogs.core import payloads
from dialogs.core.types import Button, ChannelAddress, Reply

AGENT_PREFIX = "👤 "  # a rep relayed from Slack: language-neutral, so no text per language
EMPTY_WITH_BUTTONS = "👇"  # Telegram refuses an empty text, even with a keyboard
_URL_PREFIXES = ("https://", "http://")


@dataclass(frozen=True, slots=True)
class Rendered:
    """The messages to send, and what the chat shows afterwards."""

    messages: tuple[dict[str, Any], ...]
    reply_keyboard: bool  # a reply keyboard is left open in the chat


def is_group_chat(chat_id: str) -> bool:
    # Telegram gives users positive ids and groups, supergroups and channels negative ones.
    return chat_id.startswith("-")


def callback_data(payload: str) -> str:
    return payloads.shorten(payload, payloads.LIMIT)


def inline_button(button: Button) -> InlineKeyboardButton:
    if button.payload.startswith(_URL_PREFIXES):
        return InlineKeyboardButton(text=button.title, url=button.payload)
    return InlineKeyboardButton(text=button.title, callback_data=callback_data(button.payload))


def rows(buttons: Sequence[Button]) -> list[list[Button]]:
    """Scores (1-5, 0-10) side by side, short titles in pairs, long ones one per row."""
    longest = max((len(b.title) for b in buttons), default=0)
    per_row = 6 if longest <= 3 else 2 if longest <= 14 else 1
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def inline_keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[inline_button(b) for b in row] for row in rows(buttons)]
    )


def reply_keyboard(buttons: Sequence[Button]) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=b.title) for b in row] for row in rows(buttons)],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def chat_target(address: ChannelAddress) -> dict[str, Any]:
    target: dict[str, Any] = {"chat_id": int(address.chat_id)}
    if address.thread_id:
        target["message_thread_id"] = int(address.thread_id)
    return target


def render(
    reply: Reply,
    address: ChannelAddress,
    *,
    role: str = "bot",
    reply_keyboard_shown: bool = False,
    limit: int = TELEGRAM_LIMIT,
) -> Rendered:
    group = is_group_chat(address.chat_id)
    inline = list(reply.buttons)
    quick = list(reply.quick_replies)
    if quick and (group or inline):
        # One message carries one keyboard; inline buttons keep every payload.
        inline, quick = inline + quick, []
    prefix = AGENT_PREFIX if role == "agent" else ""
    text = reply.text.strip() or (EMPTY_WITH_BUTTONS if inline or quick else "")
    if not text:
        return Rendered((), reply_keyboard_shown)
    parts = split_text(text, limit - utf16_len(prefix))
    parts[0] = prefix + parts[0]
    target = chat_target(address)
    messages: list[dict[str, Any]] = [
        {**target, "text": html.escape(part, quote=False), "parse_mode": "HTML"} for part in parts
    ]
    keyboard_after = reply_keyboard_shown
    if inline:
        messages[-1]["reply_markup"] = inline_keyboard(inline)
    if quick:
        messages[-1]["reply_markup"] = reply_keyboard(quick)
        keyboard_after = True
    elif reply_keyboard_shown and not group:
        # The removal rides on the first part that has no keyboard of its own; with a single
        # part that carries inline buttons it waits for the next message.
        for message in messages:
            if "reply_markup" not in message:
                message["reply_markup"] = ReplyKeyboardRemove(remove_keyboard=True)
                keyboard_after = False
                break
    return Rendered(tuple(messages), keyboard_after)
