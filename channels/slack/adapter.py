"""The ``slack`` ChannelAdapter: customers who talk to the bot in a Slack DM.

People from partner workspaces (Slack Connect) or the company's community workspace DM the
bot; they get the same hub and flows as anyone, with Block Kit buttons. Translating is in
``translate``; this class only sends (``chat.postMessage``), one message per page of 50
blocks, and returns the last message's ``"<channel>:<ts>"``.
"""

from __future__ import annotations

from channels.slack.api import SlackApi
from channels.slack.translate import CHANNEL, reply_to_messages
from dialogs.core.types import ChannelAddress, Reply


class SlackAdapter:
    name = CHANNEL

    def __init__(self, api: SlackApi) -> None:
        self.api = api

    async def send(self, address: ChannelAddress, reply: Reply, *, role: str = "bot") -> str | None:
        ref = None
        for message in reply_to_messages(reply, role):
            posted = await self.api.post(
                address.chat_id,
                message["text"],
                message["blocks"],
                thread_ts=address.thread_id or None,
            )
            ref = posted.ref
        return ref
