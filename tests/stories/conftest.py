"""Story fixtures: the demo business assembled once per run (models, template store), and a
way to write a story file inline."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.settings.model import Settings
from bot.stories.model import Story
from bot.stories.parse import parse_file, vocabulary_of
from bot.stories.stage import Troupe, assemble, story_settings
from dialogs.core.content import load_content
from tests.conftest import CONFIG

WriteStories = Callable[[str], list[Story]]


def troupe_for(config: Path, data_dir: Path, workdir: Path) -> Troupe:
    settings = story_settings(config, {"SALESBOT_DATA_DIR": str(data_dir)})
    return asyncio.run(assemble(settings, load_content(config), workdir))


@pytest.fixture(scope="session")
def troupe(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Troupe:
    # The session's data dir: the models the conversation fixtures trained are reused.
    return troupe_for(CONFIG, settings.data_dir, tmp_path_factory.mktemp("stories"))


@pytest.fixture(scope="session")
def one_rep_troupe(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Troupe:
    """The demo business with a single rep in Berlin (mon-fri 09:00-17:00), so "working
    hours" has one meaning."""
    config = tmp_path_factory.mktemp("one-rep") / "config"
    shutil.copytree(CONFIG, config, ignore=shutil.ignore_patterns("stories"))
    (config / "reps.yaml").write_text(
        "reps:\n"
        "  - name: Lena Hoffmann\n"
        "    email: lena@example.org\n"
        "    timezone: Europe/Berlin\n"
        "    languages: [en]\n"
        "    working_hours: {mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'],"
        " thu: ['09:00-17:00'], fri: ['09:00-17:00']}\n",
        encoding="utf-8",
    )
    return troupe_for(config, settings.data_dir, tmp_path_factory.mktemp("one-rep-stories"))


@pytest.fixture
def write_stories(tmp_path: Path, troupe: Troupe) -> WriteStories:
    """Parse YAML text as a story file; any problem fails the test with its lines."""

    def write(text: str) -> list[Story]:
        path = tmp_path / f"stories-{len(list(tmp_path.iterdir()))}.yaml"
        path.write_text(text, encoding="utf-8")
        stories, errors = parse_file(path, vocabulary_of(troupe.content))
        assert not errors, errors
        return stories

    return write
