"""Channel-neutral message types shared by every adapter and the dialog engine.

They are frozen so they can be used as keys and passed between tasks without copies being
mutated behind anyone's back (the same reason aiogram's ``StorageKey`` is frozen).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class ChannelAddress:
    """Where a conversation lives: ``("telegram", "<chat id>", "<topic id>")``."""

    channel: str
    chat_id: str
    thread_id: str = ""

    def __post_init__(self) -> None:
        if not self.channel or not self.chat_id:
            raise ValueError("ChannelAddress needs a channel and a chat_id")


@dataclass(frozen=True, slots=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    quick_replies: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One thing a customer said or clicked, as an adapter saw it.

    ``message_id`` is the platform's own id (Telegram ``update_id``, Slack ``event_id``, web
    ``client_msg_id``); the store refuses a second message with the same id on one channel.
    """

    address: ChannelAddress
    user_id: str
    text: str = ""
    payload: str | None = None
    message_id: str | None = None
    display_name: str | None = None
    language_hint: str | None = None
    campaign: str | None = None  # lead source, e.g. a Telegram deep link or a UTM tag
    # The customer's IANA zone as their device reports it (the web widget's browser), so
    # booking does not have to ask; validated by the adapter.
    timezone_hint: str | None = None
    raw: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Receipt:
    """What ``ConversationHub.receive`` did with one ``InboundMessage``."""

    status: Literal["handled", "duplicate", "relayed", "suppressed"]
    conversation_id: int | None = None
    replies: tuple[Reply, ...] = ()
    delivered: int = 0
