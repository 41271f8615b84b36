"""Playing a story against the real hub and telling where it went another way (#15).

Each step is a customer message or click, a rep's action, time passing, or a check of the
latest turn; the first check that fails ends the story with what was expected and what the
bot actually said. ``pending`` works like a strict xfail: a failure is expected, a pass is
news (the behaviour arrived, so the marker must go).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from bot.settings.model import Settings
from bot.stories import staff
from bot.stories.checks import StepFailed, check_turn, describe_turn
from bot.stories.expect import check_expectations
from bot.stories.model import (
    Check,
    Click,
    Failure,
    RepSays,
    Resolve,
    Say,
    Step,
    Story,
    StoryResult,
    Wait,
)
from bot.stories.recorder import Sent
from bot.stories.stage import Stage, Troupe, assemble, stage
from channels.telegram.translate import Command, command_payload
from crm_store.clock import SystemClock
from dialogs.core.content import Content
from dialogs.core.types import Button, ChannelAddress, InboundMessage

log = logging.getLogger(__name__)
T = TypeVar("T")


async def run_stories(
    settings: Settings,
    content: Content,
    stories: list[Story],
    *,
    default_now: datetime | None = None,
    on_result: Callable[[StoryResult], None] | None = None,
) -> list[StoryResult]:
    """Run ``stories`` one after the other, each on a fresh store in a temporary folder."""
    results: list[StoryResult] = []
    with tempfile.TemporaryDirectory(prefix="salesbot-stories-") as workdir:
        troupe = await assemble(settings, content, Path(workdir))
        for index, story in enumerate(stories, start=1):
            result = await run_story(troupe, story, index, default_now)
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results


async def run_story(
    troupe: Troupe, story: Story, index: int, default_now: datetime | None = None
) -> StoryResult:
    """Run one story on a fresh store; ``default_now`` is ``--now``/``SALESBOT_NOW``."""
    started = time.perf_counter()
    # The story's clock stands still except in ``wait`` steps: how fast the machine is must
    # not decide whether a slot two hours ahead is still bookable.
    start = story.now or default_now or SystemClock().now()
    async with stage(troupe, story.channel, start, f"story-{index}") as world:
        failure = await Performance(world, story, index).play()
    seconds = time.perf_counter() - started
    if story.pending is None:
        return StoryResult(story, "failed" if failure else "passed", failure, seconds)
    if failure is not None:
        return StoryResult(story, "pending", failure, seconds)
    return StoryResult(
        story, "failed", Failure(None, "passes now: remove pending from this story"), seconds
    )


class Performance:
    """One run of one story: the conversation so far and the latest turn."""

    def __init__(self, world: Stage, story: Story, index: int) -> None:
        self.world = world
        self.story = story
        self.address = ChannelAddress(story.channel, f"story-{index}")
        self.user_id = f"story-user-{index}"
        self.turn: list[Sent] = []
        self.conversation_id: int | None = None
        self._messages = 0

    async def play(self) -> Failure | None:
        for step in self.story.steps:
            try:
                await self._step(step)
            except StepFailed as exc:
                return Failure(step.number, exc.expected, exc.actual)
            except Exception as exc:  # noqa: BLE001 - a broken run is this story's failure
                # The report has one line; the traceback is for ``salesbot test -v``.
                log.warning(
                    "story %r broke at step %s", self.story.name, step.number, exc_info=True
                )
                actual = await describe_turn(self.world, self.turn, self.conversation_id)
                return Failure(step.number, f"the run broke: {type(exc).__name__}: {exc}", actual)
        try:
            await check_expectations(self.world, self.conversation_id, self.story.expect)
        except StepFailed as exc:
            return Failure(None, exc.expected, exc.actual)
        return None

    async def _step(self, step: Step) -> None:
        action = step.action
        if isinstance(action, Check):
            await check_turn(self.world, self.turn, self.conversation_id, action)
        elif isinstance(action, Say):
            await self._send(action.text, None)
        elif isinstance(action, Click):
            button = await self._button(action.target)
            await self._send(button.title, button.payload)
        elif isinstance(action, Wait):
            now = self.world.clock.now()
            until = action.until or now + (action.delta or timedelta(0))
            if until < now:
                raise StepFailed(f"wait: until {until.isoformat()} is before the story's now")
            await self._recording(self.world.pass_time(until))
        elif isinstance(action, RepSays):
            conversation = self._need_conversation("rep")
            await self._recording(staff.rep_says(self.world, conversation, action.text, action.rep))
        elif isinstance(action, Resolve):
            conversation = self._need_conversation("resolve")
            await self._recording(staff.resolve(self.world, conversation, action.rep))

    async def _send(self, text: str, payload: str | None) -> None:
        self._messages += 1
        campaign = None
        if self.story.channel == "telegram" and payload is None and text.startswith("/"):
            # "/start", "/human": what Telegram's translation makes of a command (a payload
            # and no text), so a story can check a first /start like a real one.
            name, _, args = text[1:].partition(" ")
            known, campaign = command_payload(Command(name.lower(), None, args.strip()))
            if known is not None:
                text, payload = "", known
        inbound = InboundMessage(
            address=self.address,
            user_id=self.user_id,
            text=text,
            payload=payload,
            message_id=f"{self.address.chat_id}-{self._messages}",
            display_name=self.story.user_name,
            language_hint=self.story.language,
            campaign=campaign,
        )
        receipt = await self._recording(self.world.hub.receive(inbound))
        if receipt.conversation_id is not None:
            self.conversation_id = receipt.conversation_id

    async def _recording(self, work: Awaitable[T]) -> T:
        """Await ``work``; what reaches the customer meanwhile is the new turn."""
        before = len(self.world.adapter.sent)
        result = await work
        self.turn = [s for s in self.world.adapter.sent[before:] if s.address == self.address]
        return result

    async def _button(self, target: str) -> Button:
        """The latest button with this title or payload (exact first, then ignoring case):
        a customer may also click one further up the chat."""
        shown = [s for s in self.world.adapter.sent if s.address == self.address]
        buttons = [b for s in reversed(shown) for b in (*s.reply.buttons, *s.reply.quick_replies)]
        for same in (str.__eq__, lambda a, b: a.casefold() == b.casefold()):
            for button in buttons:
                if same(button.title, target) or same(button.payload, target):
                    return button
        actual = await describe_turn(self.world, self.turn, self.conversation_id)
        raise StepFailed(f'click: no button "{target}" in the replies so far', actual)

    def _need_conversation(self, what: str) -> int:
        if self.conversation_id is None:
            raise StepFailed(f"{what}: the customer has not said anything yet")
        return self.conversation_id
