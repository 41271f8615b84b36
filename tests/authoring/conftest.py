"""A fresh configuration from ``salesbot init`` for each test that edits one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.authoring.scaffold import parse_business, scaffold

NAME = "Blue Fern Studio"


def new_config(directory: Path, name: str = NAME, **options: str) -> Path:
    business = parse_business(
        name,
        options.get("languages", "en,zh"),
        options.get("currency", "EUR"),
        options.get("timezone", "Europe/Berlin"),
        options.get("kind", "goods"),
    )
    scaffold(directory, business)
    return directory


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return new_config(tmp_path / "config")


def edit_yaml(path: Path, change) -> None:  # noqa: ANN001 - a function of the parsed data
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
