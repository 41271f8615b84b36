"""Satisfaction surveys, started by an event (``hub.trigger(..., "survey", ...)``)."""

from __future__ import annotations

from dialogs.core.flow import FlowSpec
from dialogs.flows.survey.flow import SurveyFlow

SPEC = FlowSpec(name="survey", factory=SurveyFlow)
