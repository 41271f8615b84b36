"""Scheduled work: reminders, surveys, escalations, e-mail confirmations, digests.

Work is ``ScheduledTask`` rows in the CRM store; APScheduler only wakes the job that claims
and runs what is due (``bot.scheduler.runner``). Flows never import APScheduler.

This package's ``__init__`` imports nothing on purpose: ``bot.settings.model`` imports
``bot.settings.scheduler``, and the rest of the package imports ``bot.settings.model``.
"""
