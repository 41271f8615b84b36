"""The privacy package's scheduled tasks, as handlers for ``bot.scheduler``.

(The recurring ``retention.run`` is ``bot.scheduler.handlers.recurring``'s.)

- ``privacy.cleanup`` (written by every erasure): ``cleanup_handler(...)``; it calls Slack,
  so it runs outside the task's transaction (the scheduler leases the task meanwhile).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.privacy.erase import run_cleanup
from bot.privacy.slack_cleanup import SlackEraser
from bot.scheduler.context import outside_transaction
from crm_store.models import ScheduledTask
from crm_store.uow import UnitOfWork

log = logging.getLogger(__name__)

SLACK_API_URL = "https://slack.com/api/"
EraserFactory = Callable[[Any], SlackEraser | None]


def slack_eraser(settings: Any, *, base_url: str = SLACK_API_URL) -> SlackEraser | None:
    """A ``SlackEraser`` on the bot token, or ``None`` when Slack is not configured."""
    token = settings.secrets.slack_bot_token
    if token is None:
        return None
    return SlackEraser(AsyncWebClient(token=token.get_secret_value(), base_url=base_url))


def cleanup_handler(eraser: EraserFactory = slack_eraser) -> Any:
    @outside_transaction
    async def handler(ctx: Any, task: ScheduledTask) -> None:
        outcome = await run_cleanup(ctx.db, ctx.clock, dict(task.payload), eraser(ctx.settings))
        # What is left is kept on the task, so a retry does not repeat finished work.
        async with UnitOfWork(ctx.db, ctx.clock) as uow:
            row = await uow.session.get(ScheduledTask, task.id)
            if row is not None:
                row.payload = outcome.payload
                if outcome.slack.failed:
                    row.last_error = "; ".join(outcome.slack.failed)[:2000]
        if outcome.slack.failed:
            log.warning("privacy cleanup %s: %s", task.id, "; ".join(outcome.slack.failed))
        if not outcome.finished and outcome.retry_at is not None:
            ctx.retry(outcome.retry_at, "privacy cleanup waiting (delivery or Slack)")

    return handler
