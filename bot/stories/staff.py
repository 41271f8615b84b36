"""What a rep does in a story: answer in a handed-off conversation, and resolve it.

Stories have no Slack, so these do to the conversation what the desk's thread relay and
Resolve button do (``bot/desk/slack/relay.py``, ``actions.py``): the rep's message goes out
through the hub, and resolving hands the conversation back to the bot, says so, and
schedules the survey after ``survey.delay_after_handoff_minutes`` like the desk does.
"""

from __future__ import annotations

from datetime import timedelta

from bot.scheduler.schedule import schedule_survey
from bot.stories.checks import StepFailed
from bot.stories.stage import Stage
from crm_store.models import ConversationStatus, Rep, Role
from crm_store.uow import UnitOfWork


async def rep_says(world: Stage, conversation_id: int, text: str, who: str | None) -> None:
    async with world.uow() as uow:
        conversation = await uow.conversations.get(conversation_id)
        _handed_off(conversation.status, "rep")
        rep = await _rep(uow, who, conversation.assigned_rep_id)
    # The first rep to answer takes the conversation, as a claim on the desk would.
    await world.hub.send_as_agent(conversation_id, text, rep_id=rep.id)


async def resolve(world: Stage, conversation_id: int, who: str | None) -> None:
    settings = world.troupe.settings
    async with world.uow() as uow:
        conversation = await uow.conversations.get(conversation_id, for_update=True)
        _handed_off(conversation.status, "resolve")
        rep = await _rep(uow, who, conversation.assigned_rep_id)
        await uow.conversations.set_status(conversation, ConversationStatus.BOT)
        if conversation.assigned_rep_id is None:
            conversation.assigned_rep_id = rep.id  # the survey is about whoever resolved it
        await schedule_survey(
            uow,
            contact_id=conversation.contact_id,
            conversation_id=conversation.id,
            trigger="handoff",
            trigger_ref=f"handoff:story-{conversation.id}",
            due_at=world.clock.now()
            + timedelta(minutes=settings.survey.delay_after_handoff_minutes),
        )
        language = conversation.language or settings.business.default_language
    ended = world.troupe.content.text("handoff_ended", language)
    await world.hub.send_as_agent(conversation_id, ended, role=Role.BOT)


def _handed_off(status: str, what: str) -> None:
    if status != ConversationStatus.HANDOFF:
        raise StepFailed(f"{what}: the conversation is not with a rep (status: {status})")


async def _rep(uow: UnitOfWork, who: str | None, assigned: int | None) -> Rep:
    reps = await uow.reps.list(active_only=True)
    if not reps:
        raise StepFailed("no reps in the configuration (reps.yaml) to act as the rep")
    if who is None:
        return next((rep for rep in reps if rep.id == assigned), reps[0])
    wanted = who.casefold()
    for rep in reps:
        if wanted in (rep.name.casefold(), rep.email.casefold()):
            return rep
    raise StepFailed(f'no rep named "{who}" (reps: {", ".join(r.name for r in reps)})')
