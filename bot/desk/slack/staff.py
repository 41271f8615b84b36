"""``SlackStaff``: the ``StaffChannel`` that delivers ``StaffMessage`` rows in Slack.

Targets: ``rep`` -> a DM to the rep's ``slack_user_id`` (``conversations.open`` then
``chat.postMessage``); ``managers`` -> ``channels.slack.managers_channel``; ``sales`` ->
``channels.slack.sales_channel``. The row's ``content`` is channel-neutral:
``{"buttons": [{"title", "payload"}], "fields": [[label, value] | {"title", "value"} | str],
"conversation_id": 12, "card_id": 3}``; buttons become desk buttons (``desk:<payload>``),
handled by ``actions.DeskActions``. Returns ``"<channel>:<ts>"``.

Errors follow ``channels.base.DeliveryError``: a rep without a Slack id, or a channel the
bot is not in, is permanent; a 429 beyond the inline wait is transient with ``retry_after``.
"""

from __future__ import annotations

from typing import Any

from bot.settings.model import Settings
from channels.base import DeliveryError
from channels.slack import blocks as bk
from channels.slack.api import SlackApi
from channels.slack.escape import escape_text
from crm_store.clock import Clock
from crm_store.database import Database
from crm_store.models.ops import StaffMessage
from crm_store.uow import UnitOfWork

ICONS = {
    "reminder": ":alarm_clock:",
    "followup_check": ":telephone_receiver:",
    "handoff_reannounce": ":bell:",
    "handoff_escalate": ":rotating_light:",
    "detractor": ":warning:",
    "digest": ":bar_chart:",
}


REFS = {"conversation_id": "Conversation", "card_id": "Card", "follow_up_id": "Follow-up"}


def _pairs(raw: Any) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for item in raw or ():
        if isinstance(item, dict):
            pairs.append((str(item.get("title", "")), str(item.get("value", ""))))
        elif isinstance(item, list | tuple) and len(item) == 2:
            pairs.append((str(item[0]), str(item[1])))
        else:
            pairs.append(("", str(item)))
    return [(escape_text(label), escape_text(value)) for label, value in pairs]


def render_staff(message: StaffMessage) -> tuple[str, list[bk.Block]]:
    """A staff message -> (notification text, blocks). Text is ours but may quote customers,
    so it is escaped too; producers write plain text."""
    content = message.content or {}
    icon = ICONS.get(message.kind, "")
    text = escape_text(message.text)
    blocks = bk.sections(f"{icon} {text}".strip())
    blocks.extend(bk.fields(_pairs(content.get("fields"))))
    refs = [f"{label} #{content[key]}" for key, label in REFS.items() if key in content]
    url = str(content.get("url") or "")
    if url.startswith(("https://", "http://")):
        # A link we built (the dashboard); "|" and ">" would end Slack's link syntax.
        safe = escape_text(url).replace("|", "%7C")
        refs.append(f"<{safe}|Open in the dashboard>")
    if refs:
        blocks.append(bk.context(" · ".join(refs)))
    buttons = [
        bk.button(str(b["title"]), str(b["payload"]), style=b.get("style"))
        for b in content.get("buttons", ())
        if b.get("title") and b.get("payload")
    ]
    blocks.extend(bk.actions(buttons, block_id=f"staff-{message.id}"))
    return bk.fallback(text), blocks[: bk.MAX_BLOCKS]


class SlackStaff:
    def __init__(self, *, api: SlackApi, db: Database, clock: Clock, settings: Settings) -> None:
        self.api = api
        self.db = db
        self.clock = clock
        self.slack = settings.channels.slack

    async def deliver(self, message: StaffMessage) -> str | None:
        channel = await self._channel_for(message)
        text, blocks = render_staff(message)
        posted = await self.api.post(channel, text, blocks)
        return posted.ref

    async def _channel_for(self, message: StaffMessage) -> str:
        if message.target == "managers":
            return self.slack.managers_channel
        if message.target == "sales":
            return self.slack.sales_channel
        if message.target != "rep" or message.rep_id is None:
            raise DeliveryError(f"staff message {message.id}: bad target", transient=False)
        async with UnitOfWork(self.db, self.clock) as uow:
            rep = await uow.reps.get(message.rep_id)
        if not rep.slack_user_id:
            raise DeliveryError(
                f"rep {rep.id} has no slack_user_id (config/reps.yaml)", transient=False
            )
        channel = await self.api.open_dm(rep.slack_user_id)
        if not channel:
            raise DeliveryError(f"no DM channel with {rep.slack_user_id}")
        return channel
