"""Follow-up calls: reminders before the call, and the rep's check after it.

Reminders go to the customer (their chat, in their language and time zone; and by e-mail
when they gave one, so a web chat visitor who left the page still gets it) and to the rep
(a Slack DM in the rep's language and time zone). Offsets are durations: "24 h before" is
24 hours before the call's UTC instant, whatever a DST change does to the wall clock.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from bot.scheduler import texts
from bot.scheduler.context import TaskContext
from bot.scheduler.followup_mail import queue_followup_email
from bot.scheduler.people import (
    conversation_url,
    customer_conversation,
    customer_name,
    language,
    rep_by_id,
    rep_language,
    zone_or,
)
from bot.scheduler.produce import add_staff_message
from bot.scheduler.schedule import ensure_followup_check
from crm_store.models import (
    ACTIVE_FOLLOW_UP,
    Contact,
    Conversation,
    FollowUp,
    Rep,
    ScheduledTask,
    TaskState,
)
from dialogs.core.transcript import reply_fields
from dialogs.core.types import Button, Reply
from dialogs.flows.booking.records import REMINDER_KIND, reminder_prefix
from dialogs.flows.booking.view import when_text

log = logging.getLogger(__name__)
# A reminder later than this after its due time is still useful; the call must not have begun.
_STALE = timedelta(minutes=1)


async def _active_call(ctx: TaskContext, task: ScheduledTask) -> FollowUp | None:
    call = await ctx.uow.session.get(FollowUp, int(task.payload["follow_up_id"]))
    if call is None or call.status not in ACTIVE_FOLLOW_UP:
        log.info("task %s: follow-up no longer active; nothing sent", task.id)
        return None
    return call


async def _superseded(ctx: TaskContext, task: ScheduledTask, contact_id: int, offset: int) -> bool:
    """After downtime several reminders of one call may be due: only the last one is sent."""
    prefix = reminder_prefix(contact_id, int(task.payload["follow_up_id"]))
    rows = await ctx.uow.session.scalars(
        select(ScheduledTask).where(
            ScheduledTask.kind == REMINDER_KIND,
            ScheduledTask.state == TaskState.PENDING.value,
            ScheduledTask.due_at <= ctx.now,
            ScheduledTask.dedupe_key.startswith(prefix, autoescape=True),
        )
    )
    return any(int(t.payload.get("offset_minutes", 0)) < offset for t in rows.all())


def _fields(ctx: TaskContext, lang: str, contact: Contact, when: str) -> list[dict[str, str]]:
    t = ctx.content
    fields = [
        {"title": texts.text(t, "staff_field_customer", lang), "value": customer_name(contact)},
        {"title": texts.text(t, "staff_field_when", lang), "value": when},
    ]
    for key, value in (
        ("staff_field_company", contact.company),
        ("staff_field_email", contact.email),
        ("staff_field_phone", contact.phone),
    ):
        if value:
            fields.append({"title": texts.text(t, key, lang), "value": value})
    return fields


async def followup_reminder(ctx: TaskContext, task: ScheduledTask) -> None:
    uow, now = ctx.uow, ctx.now
    call = await _active_call(ctx, task)
    if call is None:
        return
    offset = int(task.payload.get("offset_minutes", 0))
    if abs(call.starts_at - timedelta(minutes=offset) - task.due_at) > _STALE:
        log.info("task %s: the call moved; this reminder is stale", task.id)
        return
    if now >= call.starts_at:
        log.info("task %s: the call has begun; reminder dropped", task.id)
        return
    lead = await uow.leads.get(call.lead_id)
    contact = await uow.contacts.get(lead.contact_id)
    if await _superseded(ctx, task, contact.id, offset):
        log.info("task %s: a later reminder of this call is due too; sending that one", task.id)
        return
    rep = await rep_by_id(uow, call.rep_id)
    conversation = await _remind_customer(ctx, task, call, contact, rep)
    if rep is not None:
        await _remind_rep(ctx, task, call, contact, rep, conversation)
    await ensure_followup_check(uow, contact.id, call, now)


async def _remind_customer(
    ctx: TaskContext, task: ScheduledTask, call: FollowUp, contact: Contact, rep: Rep | None
) -> Conversation | None:
    uow = ctx.uow
    conversation = await customer_conversation(uow, contact.id)
    rep_name = rep.name if rep else ctx.settings.business.name
    if conversation is not None:
        lang = language(conversation.language or contact.language, ctx.settings)
        zone = zone_or(contact.timezone, call.customer_timezone)
        text = ctx.content.text(
            "booking_reminder", lang, rep=rep_name, when=when_text(call.starts_at, zone, lang)
        )
        buttons = (
            Button(ctx.content.text("button_reschedule", lang), "book:reschedule"),
            Button(ctx.content.text("button_cancel_call", lang), "book:cancel"),
        )
        await uow.messages.add_outbound(conversation, **reply_fields(Reply(text, buttons)))
        ctx.deliver(conversation.id)
    await queue_followup_email(
        uow,
        call,
        "reminder",
        key=f"task:{task.id}",
        settings=ctx.settings,
        content=ctx.content,
        email=ctx.email,
        now=ctx.now,
    )
    return conversation


async def _remind_rep(
    ctx: TaskContext,
    task: ScheduledTask,
    call: FollowUp,
    contact: Contact,
    rep: Rep,
    conversation: Conversation | None,
) -> None:
    lang = rep_language(rep, ctx.settings)
    when = when_text(call.starts_at, zone_or(rep.timezone, "UTC"), lang)
    content: dict[str, object] = {"fields": _fields(ctx, lang, contact, when)}
    if conversation is not None:
        content["conversation_id"] = conversation.id
        content["url"] = conversation_url(ctx.settings, conversation.id)
    await add_staff_message(
        ctx.uow,
        target="rep",
        rep_id=rep.id,
        kind="reminder",
        text=texts.text(
            ctx.content, "staff_reminder", lang, customer=customer_name(contact), when=when
        ),
        content=content,
        ref=f"followup:{call.id}",
        dedupe_key=f"task:{task.id}:rep",
    )


async def followup_check(ctx: TaskContext, task: ScheduledTask) -> None:
    """At the call's end: ask the rep whether it took place (buttons done/no-show/reschedule)."""
    call = await _active_call(ctx, task)
    if call is None:
        return
    rep = await rep_by_id(ctx.uow, call.rep_id)
    if rep is None:
        return
    lead = await ctx.uow.leads.get(call.lead_id)
    contact = await ctx.uow.contacts.get(lead.contact_id)
    lang = rep_language(rep, ctx.settings)
    when = when_text(call.starts_at, zone_or(rep.timezone, "UTC"), lang)
    t = ctx.content
    buttons = [
        {
            "title": texts.text(t, f"staff_button_{name}", lang),
            "payload": f"followup:{name}:{call.id}",
        }
        for name in ("done", "noshow", "reschedule")
    ]
    await add_staff_message(
        ctx.uow,
        target="rep",
        rep_id=rep.id,
        kind="followup_check",
        text=texts.text(
            t, "staff_followup_check", lang, customer=customer_name(contact), when=when
        ),
        content={"buttons": buttons, "fields": _fields(ctx, lang, contact, when)},
        ref=f"followup:{call.id}",
        dedupe_key=f"task:{task.id}:rep",
    )
