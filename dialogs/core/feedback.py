"""Asking for feedback when something is done: the seam between flows and the survey.

A flow that has finished something a business may want rated (a lead form stored, a call
booked, the customer saying goodbye) calls ``ask_for_feedback``. It hands the conversation
to the survey flow by name (``turn.switch_to``), so no flow imports the survey, and the
manager starts it after the finishing flow's own last words. Whether the trigger is on
(``survey.triggers``) is checked here and again by the survey flow, which also applies the
frequency cap (``survey.min_days_between``): that needs the store, and must hold for the
scheduled triggers (a resolved handoff, a follow-up call) as well.
"""

from __future__ import annotations

from dialogs.core.settings import SurveyTrigger
from dialogs.core.turn import Turn

SURVEY = "survey"


def ask_for_feedback(turn: Turn, trigger: SurveyTrigger, ref: str) -> bool:
    """Start the survey after this flow if ``trigger`` is enabled; ``ref`` names what is
    rated (``lead:12``), so one thing is never surveyed twice. True when it was asked for."""
    if trigger not in turn.services.settings.survey.triggers:
        return False
    if turn.switch is not None or turn.contact.marketing_opt_out:
        return False  # another hand-over comes first; an opted-out contact gets nothing
    # quiet: a second goodbye after an answered survey must not hear "already answered".
    turn.switch_to(SURVEY, trigger=trigger, trigger_ref=ref, quiet=True)
    return True
