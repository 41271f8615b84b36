"""Reading story files: the format's shorthands, and one line per mistake (#15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.stories.model import NOTHING, Check, Click, Expectation, RepSays, Resolve, Say, Wait
from bot.stories.parse import Vocabulary, load_stories, parse_file

VOCABULARY = Vocabulary(lead_fields=frozenset({"email", "rooms"}), survey_fields=frozenset())


def parse(tmp_path: Path, text: str) -> tuple[list, list[str]]:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return parse_file(path, VOCABULARY)


def test_the_shorthands(tmp_path: Path) -> None:
    [story], errors = parse(
        tmp_path,
        """
stories:
  - name: all of it
    now: 2025-03-12T10:30:00+08:00
    channel: telegram
    language: zh
    steps:
      - user: 12                     # YAML reads a number; the customer typed text
      - bot: "a text"
      - bot: {flow: none, intent: null, buttons: One}
      - click: lead:start
      - wait: {hours: 1, minutes: 30}
      - wait: {until: 2025-03-13T09:00:00Z}
      - rep: hello
      - rep: {text: hi, name: Maya Chen}
      - resolve: true
      - resolve: {name: Maya Chen}
    expect:
      lead: none
      booking: {at: 2025-03-13T15:00:00+08:00}
      unanswered: 0
""",
    )
    assert errors == []
    assert story.now == datetime(2025, 3, 12, 2, 30, tzinfo=UTC)
    assert (story.channel, story.language, story.pending) == ("telegram", "zh", None)
    assert [s.action for s in story.steps] == [
        Say("12"),
        Check(contains=("a text",)),
        Check(flow=NOTHING, intent=NOTHING, buttons=("One",)),
        Click("lead:start"),
        Wait(delta=timedelta(hours=1, minutes=30)),
        Wait(until=datetime(2025, 3, 13, 9, 0, tzinfo=UTC)),
        RepSays("hello"),
        RepSays("hi", "Maya Chen"),
        Resolve(),
        Resolve("Maya Chen"),
    ]
    assert [s.number for s in story.steps] == list(range(1, 11))
    lead, booking, unanswered = story.expect
    assert lead == Expectation("lead", absent=True)
    assert booking.fields[0][0] == "at"
    assert unanswered == Expectation("unanswered", (("count", 0),))


def test_every_mistake_is_one_line(tmp_path: Path) -> None:
    stories, errors = parse(
        tmp_path,
        """
stories:
  - name: steps
    steps:
      - user: ""
      - wait: {until: 2025-03-13T09:00:00Z, hours: 1}
      - wait: {minutes: -5}
      - resolve: yes please
      - {user: hi, bot: hello}
  - name: story
    now: tomorrow
    steps: [{user: hi}]
  - name: expect
    steps: [{user: hi}]
    expect: {order: {id: 1}, unanswered: some, lead: {rooms: 3, colour: red}}
  - name: fine
    steps: [{user: hi}]
  - name: fine
    language: fr
    steps: [{user: hi}]
""",
    )
    where = f"{tmp_path / 's.yaml'}: story"
    assert errors == [
        f'{where} "steps": step 1: user: must not be empty',
        f'{where} "steps": step 2: wait: until cannot be combined with days/hours/minutes',
        f'{where} "steps": step 3: wait: minutes: expected a number of at least 0',
        f'{where} "steps": step 4: resolve: expected true or {{name: REP NAME or E-MAIL}}',
        f'{where} "steps": step 5: expected one of user:, click:, bot:, wait:, rep:, resolve:',
        f"{where} \"story\": now: 'tomorrow' is not an ISO 8601 time with a UTC offset, "
        "e.g. 2025-03-12T10:30:00+08:00",
        f"{where} \"expect\": expect: unknown record 'order' (expected one of booking, "
        "contact, conversation, lead, survey, unanswered)",
        f"{where} \"fine\": language: expected en or zh, not 'fr'",
    ]
    assert [s.name for s in stories] == ["fine"]


def test_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "b.yml").write_text(
        "stories:\n  - name: b\n    steps: [{user: hi}]\n", encoding="utf-8"
    )
    (tmp_path / "more" / "notes.txt").write_text("not a story", encoding="utf-8")
    (tmp_path / "a.yaml").write_text("stories: []\n", encoding="utf-8")
    stories, errors = load_stories(
        [tmp_path / "more", tmp_path / "a.yaml", tmp_path / "empty"], VOCABULARY
    )
    assert [s.name for s in stories] == ["b"]
    assert errors == [
        f"{tmp_path / 'empty'}: no story files (*.yaml) in this folder",
        f"{tmp_path / 'a.yaml'}: stories: expected a non-empty list",
    ]


def test_a_file_level_now_is_every_story_s_unless_it_says_otherwise(tmp_path: Path) -> None:
    first, second = parse(
        tmp_path,
        """
now: 2025-03-12T10:30:00+08:00
stories:
  - name: pinned by the file
    steps: [{user: hi}]
  - name: pinned by itself
    now: 2025-03-15T21:00:00+08:00
    steps: [{user: hi}]
""",
    )[0]
    assert first.now == datetime(2025, 3, 12, 2, 30, tzinfo=UTC)
    assert second.now == datetime(2025, 3, 15, 13, 0, tzinfo=UTC)
    assert parse(tmp_path, "now: 2025-03-12T10:30:00+08:00\nstory: []\n")[1] == [
        f"{tmp_path / 's.yaml'}: expected a mapping with stories: (a list of stories) and, "
        "optionally, now: (the instant every story of the file starts at, unless it says otherwise)"
    ]
