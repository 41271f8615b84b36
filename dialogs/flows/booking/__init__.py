"""Booking, rescheduling and cancelling a call with a sales rep."""

from __future__ import annotations

from dialogs.core.flow import FlowSpec
from dialogs.flows.booking.flow import BookingFlow

SPEC = FlowSpec(
    name="booking",
    factory=BookingFlow,
    payloads={"book:start": {}},
    payload_prefixes=("book",),
    intents={
        "book_call": {},
        "reschedule_call": {"mode": "reschedule"},
        "cancel_call": {"mode": "cancel"},
    },
)
