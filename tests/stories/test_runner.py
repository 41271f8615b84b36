"""The story runner on the demo business: passes, failures with the diverging turn,
``pending`` both ways, and the pinned clock moving working hours, dates and reminders (#15).
"""

from __future__ import annotations

from bot.stories.runner import run_story
from bot.stories.stage import Troupe
from tests.stories.conftest import WriteStories

QUOTE = """
stories:
  - name: quote
    now: 2025-03-12T10:30:00-04:00
    steps:
      - user: hi
      - bot: {contains: "Systems assistant", buttons: [Get a quote], intent: greet, flow: none}
      - click: Get a quote
      - bot: {contains: "%s", flow: lead}
"""


async def test_a_small_story_passes(troupe: Troupe, write_stories: WriteStories) -> None:
    [story] = write_stories(QUOTE % "First, what's your name?")
    result = await run_story(troupe, story, 1)
    assert (result.status, result.failure) == ("passed", None)


async def test_a_failure_names_the_step_and_what_the_bot_said(
    troupe: Troupe, write_stories: WriteStories
) -> None:
    [story] = write_stories(QUOTE % "What's your favourite colour?")
    result = await run_story(troupe, story, 1)
    assert result.status == "failed" and result.failure is not None
    assert result.failure.step == 4
    assert result.failure.expected == (
        """bot: expected a reply containing "What's your favourite colour?\""""
    )
    actual = "\n".join(result.failure.actual)
    assert 'bot: "Happy to help with a quote!' in actual
    assert 'bot: "First, what\'s your name?"' in actual
    assert actual.endswith("active flow: lead (step name); conversation: bot")


async def test_wrong_flow_buttons_and_expectations_fail(
    troupe: Troupe, write_stories: WriteStories
) -> None:
    [flow, buttons, crm] = write_stories(
        """
stories:
  - name: flow
    steps: [{user: hi}, {bot: {flow: lead}}]
  - name: buttons
    steps: [{user: hi}, {bot: {buttons: [Get a quote, Order now]}}]
  - name: crm
    steps: [{user: hi}]
    expect: {lead: {status: qualified}, contact: {language: zh}}
"""
    )
    result = await run_story(troupe, flow, 1)
    assert result.failure and result.failure.expected == "bot: expected active flow lead, not none"
    result = await run_story(troupe, buttons, 2)
    assert result.failure and result.failure.expected == "bot: expected buttons [Order now]"
    assert "     buttons: [Get a quote] [Book a call] [Talk to sales]" in result.failure.actual
    result = await run_story(troupe, crm, 3)
    assert result.failure and result.failure.step is None
    assert result.failure.expected == (
        'expect: a lead, found none; contact: language "zh", not "en"'
    )


async def test_a_click_on_a_button_that_is_not_there_fails(
    troupe: Troupe, write_stories: WriteStories
) -> None:
    [story] = write_stories(
        "stories:\n  - name: click\n    steps: [{user: hi}, {click: Order now}]\n"
    )
    result = await run_story(troupe, story, 1)
    assert result.failure and result.failure.step == 2
    assert result.failure.expected == 'click: no button "Order now" in the replies so far'


async def test_pending_fails_quietly_and_a_pass_is_reported(
    troupe: Troupe, write_stories: WriteStories
) -> None:
    [still, fixed] = write_stories(
        """
stories:
  - name: still pending
    pending: orders come later
    steps: [{user: hi}, {bot: "Your order is on its way"}]
  - name: fixed
    pending: greetings come later
    steps: [{user: hi}, {bot: "Auralis Meeting Systems assistant"}]
"""
    )
    result = await run_story(troupe, still, 1)
    assert result.status == "pending" and result.failure and result.failure.step == 2
    assert result.reason.startswith("pending (orders come later): bot: expected a reply")
    result = await run_story(troupe, fixed, 2)
    assert result.status == "failed"
    assert result.reason == "passes now: remove pending from this story"


async def test_working_hours_follow_the_pinned_clock(
    one_rep_troupe: Troupe, write_stories: WriteStories
) -> None:
    # The only rep works 09:00-17:00 in Berlin (UTC+1 in March); New York is the business's
    # time zone, so her 09:00 is 04:00 there.
    night, morning = write_stories(
        """
stories:
  - name: at three in the morning
    now: 2025-03-12T03:00:00+01:00
    steps:
      - user: talk to a person
      - bot:
          contains: "offline right now — the next person is available Wed 12 Mar 2025, 04:00"
          buttons: [Book a call]
          status: bot
  - name: at ten
    now: 2025-03-12T10:00:00+01:00
    steps:
      - user: talk to a person
      - bot: {contains: "I'm connecting you with someone", not_contains: offline, status: handoff}
"""
    )
    for index, story in enumerate((night, morning)):
        result = await run_story(one_rep_troupe, story, index)
        assert result.status == "passed", result.failure


async def test_tomorrow_is_the_day_after_the_pinned_date(
    troupe: Troupe, write_stories: WriteStories
) -> None:
    template = """
  - name: booked from {now}
    now: {now}
    steps:
      - user: can we have a call tomorrow at 3pm?
      - user: New York
      - user: Jo Smith          # #16: name and e-mail before the confirmation
      - user: jo@example.com
      - bot: "will call you on {said}"
    expect:
      booking: {{at: {at}, status: booked}}
"""
    stories = write_stories(
        "stories:"
        + template.format(
            now="2025-03-12T10:30:00-04:00",
            said="Thu 13 Mar 2025, 15:00",
            at="2025-03-13T15:00:00-04:00",
        )
        + template.format(
            now="2025-06-02T10:30:00-04:00",
            said="Tue 03 Jun 2025, 15:00",
            at="2025-06-03T15:00:00-04:00",
        )
    )
    for index, story in enumerate(stories):
        result = await run_story(troupe, story, index)
        assert result.status == "passed", result.failure


async def test_a_reminder_is_sent_when_wait_reaches_it(
    troupe: Troupe, write_stories: WriteStories
) -> None:
    [story] = write_stories(
        """
stories:
  - name: reminded
    now: 2025-03-12T10:30:00-04:00
    steps:
      - user: can we have a call tomorrow at 3pm?
      - user: New York
      - user: Jo Smith          # #16: name and e-mail before the confirmation
      - user: jo@example.com
      - wait: {until: 2025-03-12T14:59:00-04:00}
      - bot: {none: true}
      - wait: {minutes: 1}
      - bot: "Reminder: your call with Daniel Brooks is on Thu 13 Mar 2025, 15:00"
"""
    )
    result = await run_story(troupe, story, 1)
    assert result.status == "passed", result.failure


async def test_staff_steps_need_a_handed_off_conversation(
    troupe: Troupe, write_stories: WriteStories
) -> None:
    [story] = write_stories(
        "stories:\n  - name: no handoff\n    steps: [{user: hi}, {rep: Hello}]\n"
    )
    result = await run_story(troupe, story, 1)
    assert result.failure and result.failure.step == 2
    assert result.failure.expected == "rep: the conversation is not with a rep (status: bot)"
