from __future__ import annotations

from pathlib import Path

import pytest

from dialogs.nlu import Example, NluDataError, data_fingerprint, load_examples
from dialogs.nlu.data import strip_annotations

RASA = """\
version: "3.1"
nlu:
  - intent: ask_price
    examples: |
      - how much is the [Cam 4K](product)?
      - price of [cam4k]{"entity": "product"} please
      - what does it cost
  - synonym: cam4k
    examples: |
      - cam 4k
  - regex: phone
    examples: |
      - \\d{10}
  - lookup: product
    examples: |
      - Cam 4K
  - intent: greet
    examples: |
      - hi
      - hello there
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rasa_yaml_strips_annotations_and_skips_other_items(tmp_path: Path) -> None:
    examples = load_examples(write(tmp_path, "nlu.yml", RASA))
    assert examples == [
        Example("how much is the Cam 4K?", "ask_price"),
        Example("price of cam4k please", "ask_price"),
        Example("what does it cost", "ask_price"),
        Example("hi", "greet"),
        Example("hello there", "greet"),
    ]


def test_strip_annotations_forms() -> None:
    assert strip_annotations('[New York](city) to [Paris]{"entity": "city"}') == (
        "New York to Paris"
    )
    assert strip_annotations('[x][{"entity": "a"}, {"entity": "b"}] y') == "x y"
    assert strip_annotations("no [brackets] here") == "no [brackets] here"


def test_csv_text_label(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", 'text,label\nhi,greet\n"how much, really?",ask_price\n\n')
    assert load_examples(path) == [
        Example("hi", "greet"),
        Example("how much, really?", "ask_price"),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.yml", 'version: "3.1"\nrules: []\n', "missing top-level 'nlu' key"),
        ("b.yml", "nlu:\n  - intent: greet\n    examples: |\n", "intent 'greet' has no examples"),
        ("c.yml", "nlu:\n  - intent: greet\n", "intent 'greet' has no examples"),
        ("d.yml", "nlu: [unclosed", "not valid YAML"),
        ("e.csv", "text,category\nhi,greet\n", "CSV header must be 'text,label'"),
        ("f.csv", "", "CSV header must be 'text,label', found '(empty file)'"),
        ("g.csv", "text,label\nhi,\n", "line 2 needs both text and label"),
        ("h.txt", "hi", "unknown format .txt"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(NluDataError) as info:
        load_examples(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NluDataError, match="no such file"):
        load_examples(tmp_path / "nope.yml")


def test_fingerprint_ignores_order_and_sees_changes() -> None:
    a = [Example("hi", "greet"), Example("bye", "goodbye")]
    assert data_fingerprint(a) == data_fingerprint(list(reversed(a)))
    assert data_fingerprint(a) != data_fingerprint([*a, Example("hello", "greet")])
    assert data_fingerprint(a) != data_fingerprint([Example("hi", "goodbye"), a[1]])
    assert len(data_fingerprint(a)) == 64
