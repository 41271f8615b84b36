from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli.nlu import nlu_app
from tests.dialogs.test_nlu_classifier import TINY_EN, TINY_ZH
from tests.dialogs.test_nlu_pipeline import yaml_for

KEYS = [
    "accuracy",
    "in_scope_accuracy",
    "oos_recall",
    "oos_precision",
    "macro_f1",
    "train_seconds",
    "latency_ms_p50",
]
TEST_CSV = """text,label
hello there,greet
how much does it cost,ask_price
please book a call,book_call
bye for now,goodbye
what is the weather in paris,oos
play some jazz,oos
"""
runner = CliRunner()


def files(tmp_path: Path) -> tuple[Path, Path]:
    train = tmp_path / "train.yml"
    train.write_text(yaml_for(TINY_EN), encoding="utf-8")
    test = tmp_path / "test.csv"
    test.write_text(TEST_CSV, encoding="utf-8")
    return train, test


def test_evaluate_json_prints_exactly_the_documented_keys(tmp_path: Path) -> None:
    train, test = files(tmp_path)
    args = ["evaluate", "--train", str(train), "--test", str(test), "--oos-label", "oos"]
    result = runner.invoke(nlu_app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert list(report) == KEYS
    assert 0.0 <= report["accuracy"] <= 1.0
    assert report["in_scope_accuracy"] == 1.0  # the four in-scope test lines are easy
    assert report["oos_recall"] is not None and report["latency_ms_p50"] > 0


def test_evaluate_closed_set_and_explicit_threshold(tmp_path: Path) -> None:
    train, test = files(tmp_path)
    in_scope = tmp_path / "in_scope.csv"
    in_scope.write_text("\n".join(TEST_CSV.splitlines()[:5]) + "\n", encoding="utf-8")
    result = runner.invoke(
        nlu_app, ["evaluate", "--train", str(train), "--test", str(in_scope), "--json"]
    )
    report = json.loads(result.stdout)
    assert report["accuracy"] == 1.0 and report["oos_recall"] is None
    strict = runner.invoke(
        nlu_app,
        ["evaluate", "--train", str(train), "--test", str(test), "--oos-label", "oos"]
        + ["--threshold", "1.0", "--json"],
    )
    assert json.loads(strict.stdout)["oos_recall"] == 1.0


def test_evaluate_with_validation_and_text_output(tmp_path: Path) -> None:
    train, test = files(tmp_path)
    result = runner.invoke(
        nlu_app,
        ["evaluate", "--train", str(train), "--test", str(test), "--oos-label", "oos"]
        + ["--validation", str(test)],
    )
    assert result.exit_code == 0, result.output
    assert "in_scope_accuracy" in result.stdout and "threshold" in result.stdout


def test_evaluate_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    train, _ = files(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("sentence,intent\nhi,greet\n", encoding="utf-8")
    result = runner.invoke(nlu_app, ["evaluate", "--train", str(train), "--test", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "bad.csv: CSV header must be 'text,label'" in result.stderr
    wrong_lang = runner.invoke(
        nlu_app, ["evaluate", "--train", str(train), "--test", str(train), "--lang", "fr"]
    )
    assert wrong_lang.exit_code == 2 and "unsupported language 'fr'" in wrong_lang.stderr


def test_train_writes_one_model_per_language(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "config"
    (config / "nlu").mkdir(parents=True)
    (config / "nlu" / "en.yml").write_text(yaml_for(TINY_EN), encoding="utf-8")
    (config / "nlu" / "zh.yml").write_text(yaml_for(TINY_ZH), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(nlu_app, ["train", "--config", str(config)])
    assert result.exit_code == 0, result.output
    for lang in ("en", "zh"):
        assert (tmp_path / ".salesbot" / "models" / lang / "salesbot_nlu.json").exists()
    one = runner.invoke(
        nlu_app,
        ["train", "--config", str(config), "--lang", "zh", "--model-dir", str(tmp_path / "zh")],
    )
    assert one.exit_code == 0 and (tmp_path / "zh" / "config.cfg").exists()
    empty = runner.invoke(nlu_app, ["train", "--config", str(tmp_path / "nowhere")])
    assert empty.exit_code == 2 and "no training data" in empty.stderr
