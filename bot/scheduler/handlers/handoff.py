"""Unclaimed handoffs: re-announced to the sales channel after N minutes, escalated to the
managers after M. Nothing happens once a rep has claimed the card.

Outside working hours (nobody works now) the customer is told, once per handoff, when the
next rep is available (``dialogs.timing.availability.next_opening``), in their time zone.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.scheduler import texts
from bot.scheduler.context import TaskContext
from bot.scheduler.people import conversation_url, customer_name, language, zone_or
from bot.scheduler.produce import add_staff_message
from crm_store.models import Contact, Conversation, ConversationStatus, ScheduledTask
from crm_store.models.ops import SlackCard
from dialogs.core.transcript import reply_fields
from dialogs.core.types import Button, Reply
from dialogs.timing.availability import anyone_working, next_opening
from dialogs.timing.format import format_local

log = logging.getLogger(__name__)
UNCLAIMED = "open"


async def _unclaimed(
    ctx: TaskContext, task: ScheduledTask
) -> tuple[SlackCard, Conversation, Contact] | None:
    card = await ctx.uow.session.get(SlackCard, int(task.payload["card_id"]))
    if card is None or card.status != UNCLAIMED or card.claimed_by_rep_id is not None:
        return None
    conversation = await ctx.uow.conversations.get(
        int(task.payload.get("conversation_id") or card.conversation_id), for_update=True
    )
    if conversation.status != ConversationStatus.HANDOFF.value:
        return None  # resolved or closed without a claim
    contact = await ctx.uow.contacts.get(conversation.contact_id)
    return card, conversation, contact


def _minutes(ctx: TaskContext, card: SlackCard) -> int:
    return max(int((ctx.now - card.created_at).total_seconds() // 60), 0)


def _content(ctx: TaskContext, card: SlackCard, conversation: Conversation) -> dict[str, Any]:
    lang = language(None, ctx.settings)
    return {
        "card_id": card.id,
        "conversation_id": conversation.id,
        "url": conversation_url(ctx.settings, conversation.id),
        "buttons": [
            {
                "title": texts.text(ctx.content, "staff_button_claim", lang),
                "payload": f"handoff:claim:{card.id}",
            }
        ],
    }


async def _tell_customer_if_after_hours(
    ctx: TaskContext, card: SlackCard, conversation: Conversation, contact: Contact
) -> None:
    reps = await ctx.uow.reps.list(active_only=True)
    if anyone_working(reps, ctx.now):
        return
    opening = next_opening(reps, ctx.now)
    if opening is None:
        return
    staff_lang = language(None, ctx.settings)
    staff_when = format_local(opening, ctx.settings.business.timezone, staff_lang)
    # The staff note doubles as the "told once" marker: its dedupe key is per card.
    note = await add_staff_message(
        ctx.uow,
        target="sales",
        kind="handoff_after_hours",
        text=texts.text(
            ctx.content,
            "staff_handoff_after_hours",
            staff_lang,
            customer=customer_name(contact),
            when=staff_when,
        ),
        content={"card_id": card.id, "conversation_id": conversation.id},
        ref=f"conversation:{conversation.id}",
        dedupe_key=f"card:{card.id}:after_hours",
    )
    if note is None:
        return
    lang = language(conversation.language or contact.language, ctx.settings)
    zone = zone_or(contact.timezone, ctx.settings.business.timezone)
    text = ctx.content.text("handoff_outside_hours", lang, when=format_local(opening, zone, lang))
    button = Button(ctx.content.text("button_book_call", lang), "book:start")
    await ctx.uow.messages.add_outbound(conversation, **reply_fields(Reply(text, (button,))))
    ctx.deliver(conversation.id)


async def handoff_reannounce(ctx: TaskContext, task: ScheduledTask) -> None:
    await _announce(ctx, task, target="sales", kind="handoff_reannounce")


async def handoff_escalate(ctx: TaskContext, task: ScheduledTask) -> None:
    await _announce(ctx, task, target="managers", kind="handoff_escalate")


async def _announce(ctx: TaskContext, task: ScheduledTask, *, target: str, kind: str) -> None:
    """Tell the sales channel again (re-announce) or the managers (escalate), if still
    unclaimed, and tell the customer when to expect someone if it is after hours."""
    found = await _unclaimed(ctx, task)
    if found is None:
        return
    card, conversation, contact = found
    lang = language(None, ctx.settings)
    await add_staff_message(
        ctx.uow,
        target=target,
        kind=kind,
        text=texts.text(
            ctx.content,
            f"staff_{kind}",
            lang,
            customer=customer_name(contact),
            minutes=_minutes(ctx, card),
        ),
        content=_content(ctx, card, conversation),
        ref=f"conversation:{conversation.id}",
        dedupe_key=f"task:{task.id}:{target}",
    )
    if target == "sales":
        card.announcements += 1
    card.updated_at = ctx.now
    await _tell_customer_if_after_hours(ctx, card, conversation, contact)
