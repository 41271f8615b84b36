"""Opting out ("stop") and "forget me"."""

from __future__ import annotations

from dialogs.core.flow import FlowSpec
from dialogs.flows.privacy.flow import PrivacyFlow

SPEC = FlowSpec(
    name="privacy",
    factory=PrivacyFlow,
    payloads={"privacy:stop": {"mode": "stop"}, "privacy:forget": {"mode": "forget_me"}},
    intents={"forget_me": {"mode": "forget_me"}, "stop": {"mode": "stop"}},
)
