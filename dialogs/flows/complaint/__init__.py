"""Complaints: apologise, record the complaint for whoever reviews them, offer a person."""

from __future__ import annotations

from dialogs.core.flow import FlowSpec
from dialogs.flows.complaint.flow import ComplaintFlow

SPEC = FlowSpec(name="complaint", factory=ComplaintFlow, intents={"complain": {}})
