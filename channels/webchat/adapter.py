"""The ``webchat`` channel adapter the outbox delivers through.

A web chat frame carries the message's per-conversation ``seq``, which a ``Reply`` does not
have, and a visitor may have several tabs open at different points of the conversation. So
``send`` does not build the frame itself: it tells the visitor's feed that something was
committed (through the bus, so the worker holding the socket hears it), and the feed sends
every open socket what it is missing, from the store, in ``seq`` order
(``protocol.message_frame`` is the translation). When no socket is open, ``send`` still
succeeds: the message is in the store, and the next ``auth`` replays it.
"""

from __future__ import annotations

from channels.webchat.bus import AnnouncementBus
from channels.webchat.protocol import CHANNEL
from dialogs.core.types import ChannelAddress, Reply


class WebchatAdapter:
    name = CHANNEL

    def __init__(self, bus: AnnouncementBus) -> None:
        self.bus = bus

    async def send(self, address: ChannelAddress, reply: Reply, *, role: str = "bot") -> str | None:
        # Rep messages (role "agent") arrive here from the handoff service through the
        # outbox, outside any customer turn, and are pushed to open sockets at once.
        await self.bus.publish(address.chat_id)
        return None
