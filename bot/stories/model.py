"""A story as parsed from YAML: what the customer says and clicks, what the bot must answer,
and what must be in the CRM store at the end (#15).

Frozen, so a parsed story can be run twice (``pending``, a retry) without one run changing
what the next one checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

# An empty string in ``Check.flow`` / ``Check.intent`` means "none": no active flow, no
# intent (out of scope). ``None`` means the story does not check it.
NOTHING = ""


@dataclass(frozen=True, slots=True)
class Say:
    """The customer types ``text``."""

    text: str


@dataclass(frozen=True, slots=True)
class Click:
    """The customer clicks a button of the latest replies, named by its title or payload."""

    target: str


@dataclass(frozen=True, slots=True)
class Wait:
    """Time passes (``delta``, or ``until`` an instant); due scheduled work runs meanwhile."""

    delta: timedelta | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class RepSays:
    """A rep answers in the handed-off conversation (what the Slack thread relays).

    ``rep`` is a name or e-mail from reps.yaml; by default the rep who already has the
    conversation, else the first one."""

    text: str
    rep: str | None = None


@dataclass(frozen=True, slots=True)
class Resolve:
    """A rep resolves the handoff (as the desk's Resolve button does): back to the bot, and
    the survey scheduled. ``rep`` as for ``RepSays``."""

    rep: str | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """What the replies of the latest turn must show."""

    contains: tuple[str, ...] = ()  # each somewhere in the turn's replies
    not_contains: tuple[str, ...] = ()
    buttons: tuple[str, ...] = ()  # titles shown (buttons or quick replies), any order
    flow: str | None = None  # active flow after the turn; NOTHING = none
    intent: str | None = None  # NLU intent of the customer's last message; NOTHING = none
    status: str | None = None  # the conversation's status: bot, handoff, closed
    silent: bool = False  # ``none: true``: no reply at all


Action = Say | Click | Wait | RepSays | Resolve | Check


@dataclass(frozen=True, slots=True)
class Step:
    number: int  # 1-based, as an author counts the steps in the file
    action: Action


RecordKind = Literal["lead", "booking", "survey", "contact", "conversation", "unanswered"]


@dataclass(frozen=True, slots=True)
class Expectation:
    """One record the store must (or must not) hold at the end of the story."""

    record: RecordKind
    fields: tuple[tuple[str, Any], ...] = ()
    absent: bool = False  # ``lead: none``: there must be no such record


@dataclass(frozen=True, slots=True)
class Story:
    name: str
    source: Path
    steps: tuple[Step, ...]
    expect: tuple[Expectation, ...] = ()
    now: datetime | None = None
    channel: str = "webchat"
    language: str | None = None
    user_name: str | None = None
    pending: str | None = None  # why it is expected to fail (behaviour still to come)

    @property
    def title(self) -> str:
        return f"{self.source.name}: {self.name}"


@dataclass(frozen=True, slots=True)
class Failure:
    """Where a story went another way than written."""

    step: int | None  # None: the CRM expectations at the end
    expected: str
    actual: tuple[str, ...] = ()  # what the bot said, its buttons and the active flow


Status = Literal["passed", "failed", "pending"]


@dataclass(frozen=True, slots=True)
class StoryResult:
    story: Story
    status: Status
    failure: Failure | None = None
    seconds: float = 0.0

    @property
    def reason(self) -> str:
        if self.status == "pending":
            where = self.failure.expected if self.failure else "it failed"
            return f"pending ({self.story.pending}): {where}"
        return self.failure.expected if self.failure else ""
