"""The reps' desk on a Slack channel: handoff cards, claims, thread relay, buttons, commands.

``attach_desk`` hangs the desk on a built ``SlackChannel`` (its ``StaffHooks``) and makes it
the runtime's handoff service and staff channel. Call it before ``runtime.start()``: the hub
is built around ``runtime.handoff`` and the adapters.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.desk.slack.actions import DeskActions, HubRef
from bot.desk.slack.commands import Commands
from bot.desk.slack.desk import SlackDesk
from bot.desk.slack.once import Once
from bot.desk.slack.relay import Relay
from bot.desk.slack.staff import SlackStaff
from bot.settings.model import Settings
from channels.base import DeliveryError
from channels.slack import blocks as bk
from channels.slack.channel import SlackChannel
from channels.slack.translate import Click, SlashCommand, ThreadReply
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.uow import UnitOfWork
from dialogs.core.types import InboundMessage

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

REP_HINT = (
    "Hi! This is where salesbot sends you reminders and call checks. Use `/salesbot` for "
    "your leads, follow-ups and open handoffs; to answer a customer, reply in the thread "
    "of their card in the sales channel."
)


class SlackDeskHooks:
    """The ``StaffHooks`` of a Slack channel, served by the reps' desk."""

    def __init__(
        self,
        channel: SlackChannel,
        *,
        settings: Settings,
        db: Database,
        clock: Clock,
        hub: HubRef,
    ) -> None:
        api = channel.api
        self.channel = channel
        self.settings = settings
        self.db = db
        self.clock = clock
        self.desk = SlackDesk(
            api=api, db=db, clock=clock, settings=settings, background=channel.background
        )
        self.staff = SlackStaff(api=api, db=db, clock=clock, settings=settings)
        self.relay = Relay(db=db, clock=clock, api=api, hub=hub)
        self.actions = DeskActions(
            api=api, db=db, clock=clock, settings=settings, desk=self.desk, hub=hub
        )
        self.commands = Commands(db=db, clock=clock, settings=settings)
        self._hinted = Once()

    async def is_staff(self, slack_user_id: str) -> bool:
        async with UnitOfWork(self.db, self.clock) as uow:
            return await uow.reps.by_slack_user(slack_user_id) is not None

    async def on_staff_message(self, inbound: InboundMessage) -> None:
        if not self._hinted.first(inbound.message_id or ""):  # a retried event
            return
        try:
            await self.channel.api.post(inbound.address.chat_id, REP_HINT, bk.sections(REP_HINT))
        except DeliveryError as exc:
            log.warning("could not answer rep %s: %s", inbound.user_id, exc)

    async def on_thread_reply(self, reply: ThreadReply) -> None:
        outcome = await self.relay.handle(reply)
        log.debug("thread reply %s: %s", reply.ts, outcome)

    async def on_click(self, click: Click) -> None:
        outcome = await self.actions.handle(click)
        log.info("slack click %s by %s: %s", click.payload, click.user, outcome)

    async def on_command(self, command: SlashCommand) -> None:
        for body in await self.commands.run(command):
            try:
                await self.channel.api.respond(command.response_url, body)
            except DeliveryError as exc:
                log.warning("slash command answer lost: %s", exc)
                return

    async def on_start(self) -> None:
        reposted = await self.desk.repost_unposted()
        if reposted:
            log.info("slack: posted %d cards left over from before", reposted)


def attach_desk(channel: SlackChannel, runtime: Runtime) -> SlackDeskHooks:
    hooks = SlackDeskHooks(
        channel,
        settings=runtime.settings,
        db=runtime.db,
        clock=runtime.clock,
        hub=lambda: runtime.hub,
    )
    channel.hooks = hooks
    runtime.handoff = hooks.desk
    runtime.staff = hooks.staff  # where the staff outbox delivers
    return hooks
