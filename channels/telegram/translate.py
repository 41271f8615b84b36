"""Telegram ``Message`` / ``CallbackQuery`` -> ``InboundMessage``; pure functions.

- ``message_id`` is ``tg-update:<update_id>`` for messages and clicks alike, so an update
  Telegram delivers again (webhook retry, polling restart) is refused by the store.
- Groups: the bot answers only when mentioned (``@bot``, or a text mention of the bot), when
  a message replies to one of its own, or for a command; everything else returns ``None``.
  Each member is their own contact (``user_id`` is the sender), while the conversation lives
  at the group chat, or at the forum topic (``thread_id``) inside it.
- Commands carry their meaning as a payload and no text: ``/start`` must not make the
  language detector read the Latin word "start" as English for a Chinese speaker, whose
  Telegram ``language_code`` then decides. ``/start <param>`` is a deep link; a valid
  parameter becomes the lead source (``campaign``).
- A reply-keyboard button arrives as plain text; when it equals a title the adapter just
  offered in this chat, its payload is restored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiogram.types import CallbackQuery, InaccessibleMessage, Message, MessageEntity, User

from dialogs.core.types import ChannelAddress, InboundMessage

CHANNEL = "telegram"
GROUP_TYPES = frozenset({"group", "supergroup"})
# Telegram allows A-Z, a-z, 0-9, _ and - in deep-link parameters, up to 64 characters.
_DEEP_LINK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+(.*))?$", re.S)
_LANGUAGES = {
    "en": "en",
    "english": "en",
    "英文": "en",
    "英语": "en",
    "zh": "zh",
    "cn": "zh",
    "chinese": "zh",
    "中文": "zh",
    "汉语": "zh",
}
# Payloads the dialog manager understands (dialogs/manager.py).
COMMAND_PAYLOADS = {
    "start": "help:start",
    "help": "help",
    "human": "handoff:request",
    "stop": "privacy:stop",
}
LANGUAGE_MENU = "lang:choose"


@dataclass(frozen=True, slots=True)
class BotIdentity:
    id: int
    username: str


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    mention: str | None
    args: str


def update_message_id(update_id: int) -> str:
    return f"tg-update:{update_id}"


def display_name(user: User) -> str:
    """First and last name, as the contact's name; the @username only if there is nothing else."""
    name = " ".join(part for part in (user.first_name, user.last_name) if part).strip()
    return name or (f"@{user.username}" if user.username else str(user.id))


def language_of(user: User) -> str | None:
    """Telegram's IETF tag (``zh-hans``, ``en-US``) as the CRM's language code (``zh``, ``en``)."""
    code = (user.language_code or "").split("-")[0].lower()
    return code or None


def thread_of(message: Message) -> str:
    # Only forum topics are conversations of their own; a reply thread in an ordinary
    # supergroup also has a message_thread_id but is the same conversation.
    if message.is_topic_message and message.message_thread_id:
        return str(message.message_thread_id)
    return ""


def parse_command(text: str) -> Command | None:
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    name, mention, args = match.groups()
    return Command(name.lower(), mention, (args or "").strip())


def _entities(message: Message) -> list[MessageEntity]:
    return list(message.entities or message.caption_entities or [])


def mentions_bot(message: Message, me: BotIdentity) -> bool:
    text = message.text or message.caption or ""
    handle = f"@{me.username}".lower()
    for entity in _entities(message):
        if entity.type == "mention" and entity.extract_from(text).lower() == handle:
            return True
        if entity.type == "text_mention" and entity.user is not None and entity.user.id == me.id:
            return True
    return False


def replies_to_bot(message: Message, me: BotIdentity) -> bool:
    original = message.reply_to_message
    if original is None or original.forum_topic_created is not None:
        # In a forum every message "replies" to the topic's first service message.
        return False
    return original.from_user is not None and original.from_user.id == me.id


def strip_mention(text: str, me: BotIdentity) -> str:
    cleaned = re.sub(rf"@{re.escape(me.username)}\b", " ", text, flags=re.IGNORECASE)
    return re.sub(r"[ \t]{2,}", " ", cleaned).strip(" \t,:;，：")


def command_payload(command: Command) -> tuple[str | None, str | None]:
    """(payload, campaign) of a command; (None, None) for commands we do not know."""
    if command.name == "language":
        choice = _LANGUAGES.get(command.args.lower())
        return (f"lang:{choice}" if choice else LANGUAGE_MENU), None
    if command.name == "start":
        campaign = command.args if _DEEP_LINK.match(command.args) else None
        return COMMAND_PAYLOADS["start"], campaign
    return COMMAND_PAYLOADS.get(command.name), None


def message_to_inbound(
    message: Message,
    update_id: int,
    me: BotIdentity,
) -> InboundMessage | None:
    """A message for the hub, or ``None`` when the bot should stay silent."""
    user = message.from_user
    if user is None or user.is_bot or message.sender_chat is not None:
        return None  # channel posts, anonymous admins, other bots
    text = message.text or message.caption or ""
    group = message.chat.type in GROUP_TYPES
    if message.chat.type not in GROUP_TYPES and message.chat.type != "private":
        return None
    payload: str | None = None
    campaign: str | None = None
    command = parse_command(text) if text.startswith("/") else None
    if command is not None and command.mention and command.mention.lower() != me.username.lower():
        return None  # "/help@other_bot"
    if command is not None:
        payload, campaign = command_payload(command)
    if payload is not None:
        text = ""
    elif group:
        addressed = command is not None and command.mention is not None
        if not (addressed or mentions_bot(message, me) or replies_to_bot(message, me)):
            return None
        text = strip_mention(text, me)
        if not text:
            payload = COMMAND_PAYLOADS["help"]  # a bare "@bot": show what it can do
    if not text and payload is None:
        return None  # a sticker, photo without caption, or a bare mention: nothing to answer
    return InboundMessage(
        address=ChannelAddress(CHANNEL, str(message.chat.id), thread_of(message)),
        user_id=str(user.id),
        text=text,
        payload=payload,
        message_id=update_message_id(update_id),
        display_name=display_name(user),
        language_hint=language_of(user),
        campaign=campaign,
        raw=message,
    )


def button_title(message: Message, data: str) -> str:
    markup = message.reply_markup
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return ""


def callback_to_inbound(query: CallbackQuery, update_id: int) -> InboundMessage | None:
    """A button click for the hub. The payload may be a digest (``h:...``) the hub resolves."""
    message = query.message
    if message is None or not query.data:
        return None  # inline-mode or game callbacks: not ours
    if message.chat.type not in GROUP_TYPES and message.chat.type != "private":
        return None
    thread = ""
    title = ""
    if not isinstance(message, InaccessibleMessage):
        thread = thread_of(message)
        title = button_title(message, query.data)
    user = query.from_user
    return InboundMessage(
        address=ChannelAddress(CHANNEL, str(message.chat.id), thread),
        user_id=str(user.id),
        text=title,
        payload=query.data,
        message_id=update_message_id(update_id),
        display_name=display_name(user),
        language_hint=language_of(user),
        raw=query,
    )
