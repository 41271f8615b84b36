"""The example businesses under examples/ load and keep their files consistent (#15).

Fast checks only (no NLU training, no store): the configuration loads as `serve` would load
it, both languages say the same things, and the frozen paraphrase sets still point at
entries and intents that exist. Whether the bot answers them well is #17's business.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.settings.model import load_settings
from dialogs.core.content import LANGS, Content, load_content

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = ROOT / "examples"
EXAMPLES = sorted(p for p in EXAMPLES_DIR.iterdir() if (p / "settings.yaml").is_file())
MIN_FAQ_PARAPHRASES = 3
MIN_INTENT_PARAPHRASES = 8
STEP_KINDS = {"user", "click", "bot"}


@pytest.fixture(params=EXAMPLES, ids=lambda p: p.name)
def example(request: pytest.FixtureRequest) -> Path:
    return request.param


@pytest.fixture
def content(example: Path) -> Content:
    return load_content(example)


def intents_of(example: Path, lang: str) -> list[str]:
    data = yaml.safe_load((example / "nlu" / f"{lang}.yml").read_text(encoding="utf-8"))
    return [block["intent"] for block in data["nlu"]]


def training_examples(example: Path, lang: str) -> set[str]:
    data = yaml.safe_load((example / "nlu" / f"{lang}.yml").read_text(encoding="utf-8"))
    return {
        _norm(line.removeprefix("- "))
        for block in data["nlu"]
        for line in block["examples"].splitlines()
        if line.strip()
    }


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _norm(text: str) -> str:
    return " ".join(text.casefold().strip(" ?!.？！。").split())


def test_there_is_an_example_business() -> None:
    assert EXAMPLES, "no folder with a settings.yaml under examples/"


def test_settings_and_content_load(example: Path, content: Content) -> None:
    settings = load_settings(example, {})
    assert settings.business.name
    assert set(settings.business.languages) == set(LANGS)
    assert content.catalog.products and content.faq.entries and content.reps.reps


def test_both_languages_have_the_same_intents(example: Path) -> None:
    en, zh = intents_of(example, "en"), intents_of(example, "zh")
    assert sorted(en) == sorted(zh)
    assert len(en) == len(set(en)), "an intent is listed twice"


def test_both_languages_have_the_same_text_keys(content: Content) -> None:
    assert set(content.texts["en"]) == set(content.texts["zh"])


def test_every_lead_field_has_a_label_in_both_languages(content: Content) -> None:
    # The bot names the field when it confirms a correction ("I've updated your ...").
    for form_field in content.lead_form.fields:
        for lang in LANGS:
            assert f"lead_field_{form_field.name}" in content.texts[lang], form_field.name


def test_scoring_rules_name_real_choices(content: Content) -> None:
    # The schema checks that a rule's field exists, not that its value is one of the choices:
    # a typo there silently scores nothing.
    fields = {f.name: f for f in content.lead_form.fields}
    for rule in content.lead_form.scoring.rules:
        form_field = fields[rule.field]
        if form_field.validator != "choice" or rule.op not in ("eq", "ne", "in"):
            continue
        wanted = rule.value if isinstance(rule.value, list) else [rule.value]
        assert set(map(str, wanted)) <= {c.value for c in form_field.choices}, rule


@pytest.mark.parametrize("lang", LANGS)
def test_every_faq_entry_has_paraphrases_and_every_paraphrase_an_entry(
    example: Path, content: Content, lang: str
) -> None:
    ids = {entry.id for entry in content.faq.entries}
    paraphrases = rows(example / "paraphrases" / f"faq_{lang}.csv")
    unknown = {row["faq_id"] for row in paraphrases} - ids
    assert not unknown, f"paraphrases name FAQ ids that do not exist: {sorted(unknown)}"
    counts = Counter(row["faq_id"] for row in paraphrases)
    few = {faq_id: counts[faq_id] for faq_id in ids if counts[faq_id] < MIN_FAQ_PARAPHRASES}
    assert not few, f"FAQ entries with fewer than {MIN_FAQ_PARAPHRASES} paraphrases: {few}"


@pytest.mark.parametrize("lang", LANGS)
def test_intent_paraphrases_name_real_intents_and_are_not_training_data(
    example: Path, lang: str
) -> None:
    intents = set(intents_of(example, lang))
    paraphrases = rows(example / "paraphrases" / f"intents_{lang}.csv")
    unknown = {row["intent"] for row in paraphrases} - intents
    assert not unknown, f"paraphrases name intents that do not exist: {sorted(unknown)}"
    counts = Counter(row["intent"] for row in paraphrases)
    few = {i: counts[i] for i in intents if counts[i] < MIN_INTENT_PARAPHRASES}
    assert not few, f"intents with fewer than {MIN_INTENT_PARAPHRASES} paraphrases: {few}"
    training = training_examples(example, lang)
    copied = [row["text"] for row in paraphrases if _norm(row["text"]) in training]
    assert not copied, f"test rows copied from the training data: {copied}"


@pytest.mark.parametrize("lang", LANGS)
def test_stories_are_well_formed(example: Path, lang: str) -> None:
    # What the story runner reads; whether the stories pass is `salesbot test`'s job.
    path = example / "stories" / f"{lang}.yaml"
    stories = yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]
    names = [story["name"] for story in stories]
    assert len(names) == len(set(names)), "two stories share a name"
    for story in stories:
        assert story["steps"], story["name"]
        assert isinstance(story.get("pending", ""), str), story["name"]
        for step in story["steps"]:
            assert len(step) == 1 and set(step) <= STEP_KINDS, (story["name"], step)
            said = step.get("user", step.get("click", ""))
            # A bare yes/no in YAML is a boolean, not what the customer typed.
            assert not isinstance(said, bool), (story["name"], step)


def test_no_demo_business_name_under_examples() -> None:
    mentions = [
        str(path.relative_to(ROOT))
        for path in EXAMPLES_DIR.rglob("*")
        if path.is_file() and "auralis" in path.read_text(encoding="utf-8").casefold()
    ]
    assert not mentions
