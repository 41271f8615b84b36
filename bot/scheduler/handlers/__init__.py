"""The task handlers salesbot ships, by task kind (see ``bot.scheduler.context``)."""

from __future__ import annotations

from bot.privacy.erase import CLEANUP_TASK
from bot.scheduler.context import TaskHandlers, register
from bot.scheduler.handlers.followup import followup_check, followup_reminder
from bot.scheduler.handlers.handoff import handoff_escalate, handoff_reannounce
from bot.scheduler.handlers.privacy import cleanup_handler
from bot.scheduler.handlers.recurring import JOBS, recurring_handler
from bot.scheduler.handlers.survey import survey_dispatch, survey_expire, survey_reminder


def default_handlers(*, recurring: bool = True) -> TaskHandlers:
    handlers: TaskHandlers = {
        "followup.reminder": followup_reminder,
        "followup.check": followup_check,
        "survey.dispatch": survey_dispatch,
        "survey.reminder": survey_reminder,
        "survey.expire": survey_expire,
        "handoff.reannounce": handoff_reannounce,
        "handoff.escalate": handoff_escalate,
    }
    if recurring:
        for kind, job in JOBS.items():
            register(handlers, kind, recurring_handler(kind, job))
    # The erasure's Slack and outbox clean-up.
    register(handlers, CLEANUP_TASK, cleanup_handler())
    return handlers


__all__ = ["default_handlers", "register"]
