"""iCalendar invites for follow-up calls (RFC 5545 / iTIP RFC 5546).

The UID is stable for a call ("followup-<id>@<domain>"), so a calendar replaces the event
when it is moved (METHOD:REQUEST with a higher SEQUENCE) and removes it on METHOD:CANCEL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from icalendar import Calendar, Event, vCalAddress, vText

import bot

Method = Literal["REQUEST", "CANCEL"]


@dataclass(frozen=True)
class Invite:
    uid: str
    sequence: int
    method: Method
    starts_at: datetime
    ends_at: datetime
    stamp: datetime
    summary: str
    description: str
    location: str
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str


def followup_uid(follow_up_id: int, domain: str) -> str:
    return f"followup-{follow_up_id}@{domain}"


def build_ics(invite: Invite) -> str:
    cal = Calendar()
    cal.add("prodid", f"-//salesbot//salesbot {bot.__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", invite.method)
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", invite.stamp.astimezone(UTC))
    # UTC times: every calendar shows them in its owner's zone, DST included.
    event.add("dtstart", invite.starts_at.astimezone(UTC))
    event.add("dtend", invite.ends_at.astimezone(UTC))
    event.add("summary", invite.summary)
    event.add("description", invite.description)
    event.add("location", invite.location)
    event.add("status", "CANCELLED" if invite.method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer = vCalAddress(f"mailto:{invite.organizer_email}")
    organizer.params["cn"] = vText(invite.organizer_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{invite.attendee_email}")
    attendee.params["cn"] = vText(invite.attendee_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee)
    cal.add_component(event)
    return cal.to_ical().decode("utf-8")
