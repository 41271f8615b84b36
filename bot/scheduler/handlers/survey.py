"""Satisfaction surveys: dispatch (after a resolved handoff or a follow-up marked done), a
reminder if unanswered, then expiry.

Dispatch goes through ``hub.trigger`` so the survey flow owns the conversation state; it
runs outside the task's transaction and is idempotent: the store has one request per
trigger, and the flow sends nothing for a request already on screen. A survey the flow
postponed (a rep has the conversation, or the customer is in the middle of something else)
stays ``pending`` and the dispatch is retried later, until ``survey_give_up_hours``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from bot.scheduler import texts
from bot.scheduler.context import TaskContext, outside_transaction
from bot.scheduler.people import customer_conversation, language
from bot.scheduler.schedule import schedule_survey_followups
from crm_store.models import Conversation, ConversationStatus, ScheduledTask, SurveyRequest
from crm_store.uow import UnitOfWork
from dialogs.core.content import SurveyQuestion
from dialogs.core.state import DialogState
from dialogs.core.transcript import reply_fields
from dialogs.core.types import Button, Reply

log = logging.getLogger(__name__)
OPEN = ("pending", "sent")


async def _request_for(uow: UnitOfWork, trigger: str, ref: str) -> SurveyRequest | None:
    stmt = select(SurveyRequest).where(
        SurveyRequest.trigger == trigger, SurveyRequest.trigger_ref == ref
    )
    return (await uow.session.scalars(stmt)).first()


@outside_transaction
async def survey_dispatch(ctx: TaskContext, task: ScheduledTask) -> None:
    payload = task.payload
    conversation_id = int(payload["conversation_id"])
    trigger, ref = str(payload["trigger"]), str(payload["trigger_ref"])
    async with ctx.transaction() as uow:
        conversation = await uow.session.get(Conversation, conversation_id)
        if conversation is None:
            return
        contact = await uow.contacts.get(conversation.contact_id)
        if contact.marketing_opt_out:
            log.info("task %s: contact %s opted out; no survey", task.id, contact.id)
            return
        request = await _request_for(uow, trigger, ref)
        if request is not None and request.status not in OPEN:
            return  # answered, opted out or expired: never twice for one trigger
        if conversation.status == ConversationStatus.CLOSED.value:
            # Closed since (e.g. the customer started over): survey where they are now.
            moved = await customer_conversation(uow, contact.id)
            if moved is None:
                return
            conversation_id = moved.id
    if ctx.hub is None:
        raise RuntimeError("survey.dispatch needs the conversation hub")
    await ctx.hub.trigger(conversation_id, "survey", trigger=trigger, trigger_ref=ref)
    async with ctx.transaction() as uow:
        request = await _request_for(uow, trigger, ref)
        if request is None:
            return  # the flow refused (opted out meanwhile)
        if request.status == "pending":
            if ctx.now - task.created_at < timedelta(hours=ctx.config.survey_give_up_hours):
                retry_at = ctx.now + timedelta(minutes=ctx.config.survey_retry_minutes)
                ctx.retry(retry_at, "survey postponed: the customer is busy")
            else:
                request.status = "expired"
            return
        if request.status == "sent" and request.sent_at is not None:
            await schedule_survey_followups(
                uow,
                contact_id=request.contact_id,
                request_id=request.id,
                sent_at=request.sent_at,
                settings=ctx.settings,
            )


def _buttons(ctx: TaskContext, question: SurveyQuestion, lang: str) -> tuple[Button, ...]:
    survey = ctx.content.survey
    if question.kind == "csat":
        labels = survey.csat_labels.get(lang) or survey.csat_labels.get("en") or tuple("12345")
        return tuple(Button(name, f"survey:csat:{i}") for i, name in enumerate(labels, start=1))
    if question.kind == "nps":
        return tuple(Button(str(n), f"survey:nps:{n}") for n in range(11))
    if question.optional:
        return (Button(ctx.content.text("button_skip", lang), "survey:skip"),)
    return ()


async def survey_reminder(ctx: TaskContext, task: ScheduledTask) -> None:
    """Ask the first unanswered question again; its buttons resume the survey when clicked."""
    uow = ctx.uow
    request = await uow.session.get(SurveyRequest, int(task.payload["request_id"]))
    if request is None or request.status != "sent":
        return
    contact = await uow.contacts.get(request.contact_id)
    if contact.marketing_opt_out:
        return
    answered = {r.kind for r in await uow.surveys.responses(request.id)}
    question = next((q for q in ctx.content.survey.questions if q.kind not in answered), None)
    if question is None:
        return
    conversation = None
    if request.conversation_id is not None:
        conversation = await uow.conversations.get(request.conversation_id, for_update=True)
        if conversation.status == ConversationStatus.CLOSED.value:
            conversation = None
    conversation = conversation or await customer_conversation(uow, contact.id)
    if conversation is None:
        return
    lang = language(conversation.language or contact.language, ctx.settings)
    text = texts.text(ctx.content, "survey_reminder", lang, question=question.prompt.get(lang))
    await uow.messages.add_outbound(
        conversation, **reply_fields(Reply(text, _buttons(ctx, question, lang)))
    )
    ctx.deliver(conversation.id)


async def survey_expire(ctx: TaskContext, task: ScheduledTask) -> None:
    """Close an unanswered survey: late answers are no longer taken as survey answers."""
    uow = ctx.uow
    request = await uow.session.get(SurveyRequest, int(task.payload["request_id"]))
    if request is None or request.status not in OPEN:
        return
    request.status = "expired"
    if request.conversation_id is None:
        return
    conversation = await uow.conversations.get(request.conversation_id, for_update=True)
    state = DialogState.from_json(conversation.state)
    if state.flow == "survey" and state.data.get("request_id") == request.id:
        state.leave()
        await uow.conversations.save_state(conversation, state.to_json())
