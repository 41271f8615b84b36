"""A conversation-level test driver, like errbot's ``testbot``:

    replies = await chat.say("how much is the Cam 4K?")
    await chat.click("lead:start")

Messages go through the real hub, dialog manager and store; replies come back through a
recording channel adapter (the transport seam), so tests see exactly what a customer sees.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.hub import ConversationHub
from bot.stories.recorder import RecordingAdapter, Sent
from dialogs.core.types import Button, ChannelAddress, InboundMessage, Receipt, Reply
from dialogs.nlu import NluResult

__all__ = ["Chat", "RecordingAdapter", "Sent", "text_of"]


@dataclass
class Chat:
    hub: ConversationHub
    adapter: RecordingAdapter
    chat_id: str = "chat-1"
    user_id: str = "user-1"
    display_name: str | None = None
    thread_id: str = ""
    receipts: list[Receipt] = field(default_factory=list)
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))  # type: ignore[type-arg]

    @property
    def address(self) -> ChannelAddress:
        return ChannelAddress(self.adapter.name, self.chat_id, self.thread_id)

    def message(
        self, text: str = "", payload: str | None = None, message_id: str | None = None
    ) -> InboundMessage:
        return InboundMessage(
            address=self.address,
            user_id=self.user_id,
            text=text,
            payload=payload,
            message_id=message_id or f"{self.chat_id}-{next(self._seq)}",
            display_name=self.display_name,
        )

    async def send(self, inbound: InboundMessage) -> list[Reply]:
        before = len(self.adapter.to(self.address))
        receipt = await self.hub.receive(inbound)
        self.receipts.append(receipt)
        return self.adapter.to(self.address)[before:]

    async def say(self, text: str) -> list[Reply]:
        return await self.send(self.message(text))

    async def click(self, payload: str, title: str = "") -> list[Reply]:
        return await self.send(self.message(title, payload=payload))

    @property
    def replies(self) -> list[Reply]:
        return self.adapter.to(self.address)

    @property
    def last(self) -> Reply:
        return self.replies[-1]

    def buttons(self) -> list[Button]:
        return list(self.last.buttons) + list(self.last.quick_replies)

    def payloads(self) -> list[str]:
        return [b.payload for b in self.buttons()]


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


@dataclass
class Understood:
    """Stands in for the NLU in tests: knows only the phrases it is given, sure of each."""

    intents: dict[str, str]
    confidence: float = 0.9

    def parse(self, text: str, lang: str) -> NluResult:
        intent = self.intents.get(text)
        if intent is None:
            return NluResult.empty(lang)
        return NluResult(intent, self.confidence, ((intent, self.confidence),), (), lang)
