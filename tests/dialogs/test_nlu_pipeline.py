from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from dialogs.nlu import (
    Example,
    NluDataError,
    NluModel,
    NluResult,
    NluService,
    build_pipeline,
    load_or_train,
)
from dialogs.nlu import pipeline as pipeline_module
from tests.dialogs.test_nlu_classifier import TINY_EN, TINY_ZH, examples

NOW = datetime(2024, 5, 10, 1, 30, tzinfo=UTC)  # Friday 09:30 in Shanghai
PRODUCTS = {"cam4k": ["Auralis Cam 4K", "4K摄像头"]}


def yaml_for(table: dict[str, str]) -> str:
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in table.items():
        lines += [f"  - intent: {intent}", "    examples: |"]
        lines += [f"      - {text}" for text in texts.split("|")]
    return "\n".join(lines) + "\n"


def test_build_pipeline_components() -> None:
    nlp = build_pipeline("en", examples(TINY_EN), products=PRODUCTS)
    assert nlp.pipe_names == ["salesbot_entities", "salesbot_intent"]
    doc = nlp("how much is the auralis cam 4k")
    assert doc._.salesbot_intent.intent == "ask_price"
    assert [e.value for e in doc._.salesbot_entities] == ["cam4k"]


def test_parse_gives_intent_entities_and_language() -> None:
    model = NluModel.train("en", examples(TINY_EN), products=PRODUCTS, threshold=0.0)
    result = model.parse("How much is the Auralis Cam 4K? I need it by tomorrow", now=NOW)
    assert isinstance(result, NluResult)
    assert result.intent == "ask_price"
    assert result.ranking[0] == ("ask_price", result.confidence)
    assert [r for r, _ in result.ranking] == sorted(
        model.intents, key=lambda x: -dict(result.ranking)[x]
    )
    assert [(e.label, e.value) for e in result.entities] == [
        ("product", "cam4k"),
        ("date", date(2024, 5, 11)),
    ]
    assert result.language == "en"


def test_parse_resolves_dates_in_the_given_timezone() -> None:
    model = NluModel.train("zh", examples(TINY_ZH), timezone="Asia/Shanghai")
    result = model.parse("明天下午3点给我打电话", now=NOW)
    moment = next(e.value for e in result.entities if e.label == "datetime")
    assert (moment.year, moment.month, moment.day, moment.hour) == (2024, 5, 11, 15)
    assert moment.utcoffset().total_seconds() == 8 * 3600
    other = model.parse("明天", now=NOW, timezone="America/Los_Angeles")
    assert [e.value for e in other.entities] == [date(2024, 5, 10)]
    assert model.parse("明天").entities == ()  # no "now", no dates


def test_out_of_scope_has_no_intent() -> None:
    model = NluModel.train("en", examples(TINY_EN), threshold=0.99)
    result = model.parse("zebras juggle quietly")
    assert result.intent is None and result.confidence < 0.99
    assert NluResult.empty("zh") == NluResult(None, 0.0, (), (), "zh")
    assert model.parse("   ") == NluResult.empty("en")


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = NluModel.train("zh", examples(TINY_ZH), products=PRODUCTS)
    model.save(tmp_path / "zh")
    loaded = NluModel.load(tmp_path / "zh")
    assert loaded.fingerprint == model.fingerprint and loaded.threshold == model.threshold
    for text in ["4K摄像头多少钱", "你好", "明天给我打电话"]:
        assert loaded.parse(text, now=NOW) == model.parse(text, now=NOW)
    relabelled = NluModel.load(tmp_path / "zh", products={"cam": ["4K摄像头"]})
    assert [e.value for e in relabelled.parse("4K摄像头多少钱").entities] == ["cam"]
    model.save(tmp_path / "zh")  # overwriting a saved model works
    assert NluModel.load(tmp_path / "zh").parse("你好").intent == "greet"


def test_load_or_train_retrains_only_when_data_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trainings: list[int] = []
    original = pipeline_module.NluModel.train.__func__  # type: ignore[attr-defined]

    def counting(cls: type[NluModel], *args: Any, **kwargs: Any) -> NluModel:
        trainings.append(1)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(pipeline_module.NluModel, "train", classmethod(counting))
    data = tmp_path / "en.yml"
    data.write_text(yaml_for(TINY_EN), encoding="utf-8")
    models = tmp_path / "models" / "en"

    first = load_or_train(models, "en", data)
    assert len(trainings) == 1 and (models / "salesbot_nlu.json").exists()
    second = load_or_train(models, "en", data, products=PRODUCTS)
    assert len(trainings) == 1  # same data: loaded, not trained
    assert second.fingerprint == first.fingerprint
    assert [e.label for e in second.parse("cam 4k price").entities] == ["money"]
    assert [e.value for e in second.parse("auralis cam 4k price").entities] == ["cam4k"]

    # Reordering or re-commenting the file is not a change of data...
    data.write_text("# comment\n" + yaml_for(dict(reversed(TINY_EN.items()))), encoding="utf-8")
    load_or_train(models, "en", data)
    assert len(trainings) == 1
    # ...a new example is.
    data.write_text(yaml_for({**TINY_EN, "greet": TINY_EN["greet"] + "|yo"}), encoding="utf-8")
    third = load_or_train(models, "en", data)
    assert len(trainings) == 2 and third.fingerprint != first.fingerprint
    # A damaged model directory is rebuilt rather than crashing the start.
    (models / "salesbot_intent" / "weights.npy").write_bytes(b"garbage")
    load_or_train(models, "en", data)
    assert len(trainings) == 3


def test_load_or_train_reports_bad_data(tmp_path: Path) -> None:
    data = tmp_path / "en.yml"
    data.write_text("nlu:\n  - intent: greet\n", encoding="utf-8")
    with pytest.raises(NluDataError, match="intent 'greet' has no examples"):
        load_or_train(tmp_path / "m", "en", data)


class FixedClock:
    def now(self) -> datetime:
        return NOW


def test_service_routes_by_language_and_uses_the_clock() -> None:
    en = NluModel.train("en", examples(TINY_EN), threshold=0.0)
    zh = NluModel.train("zh", examples(TINY_ZH), threshold=0.0)
    service = NluService({"en": en, "zh": zh}, clock=FixedClock(), timezone="Asia/Shanghai")
    assert service.parse("how much is it", "en").intent == "ask_price"
    result = service.parse("后天可以预约吗", "zh")
    assert result.intent == "book_call"
    assert [e.value for e in result.entities] == [date(2024, 5, 12)]
    assert service.parse("hello", "fr").intent == "greet"  # unknown language: first model


def test_examples_are_plain_values() -> None:
    assert Example("a", "b") == Example("a", "b")
    with pytest.raises(AttributeError):
        Example("a", "b").text = "c"  # type: ignore[misc]
