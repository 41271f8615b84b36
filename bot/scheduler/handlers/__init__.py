"""The task handlers salesbot ships, by task kind (see ``bot.scheduler.context``)."""

from __future__ import annotations

from bot.scheduler.context import TaskHandler, TaskHandlers, register
from bot.scheduler.handlers.followup import followup_check, followup_reminder
from bot.scheduler.handlers.handoff import handoff_escalate, handoff_reannounce
from bot.scheduler.handlers.recurring import DIGEST, RETENTION, load_job, recurring_handler
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
        for kind in (DIGEST, RETENTION):
            job = load_job(kind)
            if job is not None:
                register(handlers, kind, recurring_handler(kind, job))
    cleanup = _privacy_cleanup()
    if cleanup is not None:
        register(handlers, "privacy.cleanup", cleanup)
    return handlers


def _privacy_cleanup() -> TaskHandler | None:
    """The erasure's Slack/outbox clean-up task (bot.privacy), when that package is there."""
    try:
        from bot.privacy.tasks import cleanup_handler
    except ImportError:
        return None
    return cleanup_handler()


__all__ = ["default_handlers", "register"]
