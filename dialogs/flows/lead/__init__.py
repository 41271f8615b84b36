"""Lead capture: the quote-request form from config/lead_form.yaml."""

from __future__ import annotations

from dialogs.core.flow import FlowSpec
from dialogs.flows.lead.flow import LeadFlow

SPEC = FlowSpec(
    name="lead",
    factory=LeadFlow,
    payloads={"lead:start": {}},
    intents={"request_quote": {}},
)
