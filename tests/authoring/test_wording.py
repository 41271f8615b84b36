"""The engine's required texts (dialogs/core/wording.py) match what the code says and what
the demo and `salesbot init` ship (#15)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.scheduler.texts import DEFAULTS
from dialogs.core.config import ConfigError
from dialogs.core.content import load_texts
from dialogs.core.wording import DEFAULTS as CATALOG_DEFAULTS
from dialogs.core.wording import (
    OPTIONAL_PREFIXES,
    REQUIRED,
    SHARED,
    placeholders,
    text_problems,
)

ROOT = Path(__file__).resolve().parents[2]
# turn.t("key"...), content.text("key"...), texts.text(content, "key"...), turn.button("key"...)
LITERAL = re.compile(
    r"""(?:\.t|\.text|\.button|\btext)\(\s*(?:[a-z_.]+,\s*)?["']([a-z][a-z0-9_]*)["']"""
)


def keys_in_code() -> set[str]:
    found = set()
    for package in ("bot", "channels", "dialogs"):
        for path in (ROOT / package).rglob("*.py"):
            found |= set(LITERAL.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_text_key_the_code_names_is_required_or_has_a_default() -> None:
    named = keys_in_code()
    assert {"greeting", "booking_reminder", "handoff_rep_joined"} <= named  # the scan works
    optional = {k for k in named if k.startswith(tuple(OPTIONAL_PREFIXES))}
    defaults = set(DEFAULTS["en"]) | set(CATALOG_DEFAULTS["en"])
    assert named - set(REQUIRED) - defaults - optional == set()


def test_the_demo_has_every_required_text_with_the_same_placeholders() -> None:
    for lang in ("en", "zh"):
        texts = yaml.safe_load((ROOT / "config" / "texts" / f"{lang}.yaml").read_text("utf-8"))
        assert text_problems(texts) == []
        for key, allowed in REQUIRED.items():
            # {money} is the newer way to write "{price} {currency}" (#16); the demo keeps
            # the old one, and any text may name {business} and {products}.
            expected = allowed - {"money"} if key == "plan_line" else allowed
            assert placeholders(texts[key]) - SHARED == expected, (lang, key)


def test_loading_refuses_a_missing_text_or_an_unknown_placeholder(tmp_path: Path) -> None:
    (tmp_path / "texts").mkdir()
    texts = yaml.safe_load((ROOT / "config" / "texts" / "en.yaml").read_text("utf-8"))
    for lang in ("en", "zh"):
        (tmp_path / "texts" / f"{lang}.yaml").write_text(yaml.safe_dump(texts), "utf-8")
    assert set(load_texts(tmp_path)["en"]) == set(texts)
    broken = {k: v for k, v in texts.items() if k != "stop_done"}
    (tmp_path / "texts" / "zh.yaml").write_text(yaml.safe_dump(broken), "utf-8")
    with pytest.raises(ConfigError, match=r"zh\.yaml: stop_done: missing: the bot needs this"):
        load_texts(tmp_path)
    (tmp_path / "texts" / "zh.yaml").write_text(
        yaml.safe_dump({**texts, "booking_kept": "Keeping {when} at {where}"}), "utf-8"
    )
    with pytest.raises(ConfigError, match=r"booking_kept: unknown placeholder \{where\}"):
        load_texts(tmp_path)


def test_text_problems_checks_braces_and_optional_keys() -> None:
    texts = {key: "x" for key in REQUIRED}
    texts |= {"plan_line": "{plan} {price", "lead_field_size": "size {oops}", "mine": "{any}"}
    assert text_problems(texts) == [
        (
            "plan_line",
            "bad braces (expected '}' before end of string); write {{ or }} for a literal brace",
        ),
        (
            "lead_field_size",
            "unknown placeholder {oops} (this text can use: {business}, {products})",
        ),
    ]
    assert text_problems(
        {**texts, "staff_reminder": "{customer} {x}"}, {"staff_reminder": frozenset({"customer"})}
    )[-1] == (
        "staff_reminder",
        "unknown placeholder {x} (this text can use: {business}, {customer}, {products})",
    )
