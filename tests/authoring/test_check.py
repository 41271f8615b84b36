"""`salesbot check`: each kind of mistake on one line, errors vs warnings, JSON (#15)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.authoring.check import Finding, run_check
from bot.cli.main import app
from bot.runtime import Runtime
from bot.settings.model import load_settings
from dialogs.core.config import ConfigError
from tests.authoring.conftest import edit_yaml

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def found(config: Path, level: str = "error") -> list[Finding]:
    report = run_check(config, {}, nlu=False)
    return report.errors if level == "error" else report.warnings


def where(findings: list[Finding], config: Path) -> set[tuple[str, str]]:
    return {(str(Path(f.file).relative_to(config)), f.key) for f in findings}


def test_malformed_yaml_is_an_error_with_line_and_column(config: Path) -> None:
    (config / "lead_form.yaml").write_text("fields: [name\nscoring: {}\n", encoding="utf-8")
    [error] = found(config)
    assert error.file == str(config / "lead_form.yaml") and error.key == ""
    assert error.problem.startswith("malformed YAML: line ")
    assert "spaces" in error.fix


def test_every_schema_error_of_every_file_is_reported(config: Path) -> None:
    def break_catalog(data: dict[str, Any]) -> None:
        data["products"][0]["colour"] = "red"  # unknown key
        data["products"][0]["plans"][0]["price"] = "cheap"  # wrong type
        data["products"][0]["availability"] = "soon"

    edit_yaml(config / "catalog" / "products.yaml", break_catalog)
    edit_yaml(config / "booking.yaml", lambda d: d.update(slot_minutes="half an hour"))
    errors = found(config)
    assert where(errors, config) == {
        ("catalog/products.yaml", "products.0.colour"),
        ("catalog/products.yaml", "products.0.plans.0.price"),
        ("catalog/products.yaml", "products.0.availability"),
        ("booking.yaml", "slot_minutes"),
    }
    by_key = {e.key: e for e in errors}
    assert "unknown key" in by_key["products.0.colour"].problem
    assert by_key["products.0.colour"].fix == "remove it, or correct its spelling"
    assert "number" in by_key["products.0.plans.0.price"].fix
    assert "'in_stock'" in by_key["products.0.availability"].problem


def test_missing_and_broken_texts_are_errors(config: Path) -> None:
    edit_yaml(config / "texts" / "zh.yaml", lambda d: d.pop("greeting"))
    edit_yaml(config / "texts" / "en.yaml", lambda d: d.update(greeting_returning="Hi {nmae}!"))
    errors = found(config)
    assert where(errors, config) == {
        ("texts/zh.yaml", "greeting"),  # the bot needs it
        ("texts/en.yaml", "greeting_returning"),
    }
    problems = {e.key: e.problem for e in errors if e.file.endswith("en.yaml")}
    assert (
        problems["greeting_returning"]
        == "unknown placeholder {nmae} (this text can use: {business}, {name}, {products})"
    )
    with pytest.raises(ConfigError, match=r"en\.yaml: greeting_returning: unknown placeholder"):
        Runtime.create(load_settings(config, {}))  # serve stops at the first of them


def test_a_missing_business_name_is_an_error_and_serve_refuses(config: Path) -> None:
    edit_yaml(config / "settings.yaml", lambda d: d["business"].pop("name"))
    [error] = found(config)
    assert (error.key, error.file) == ("business.name", str(config / "settings.yaml"))
    with pytest.raises(ConfigError, match=r"settings\.yaml: business\.name: missing"):
        Runtime.create(load_settings(config, {}))


def test_secrets_in_the_file_are_errors_and_missing_ones_warnings(config: Path) -> None:
    edit_yaml(config / "settings.yaml", lambda d: d["channels"]["slack"].update(bot_token="x"))
    assert where(found(config), config) == {("settings.yaml", "channels.slack.bot_token")}
    edit_yaml(
        config / "settings.yaml",
        lambda d: (
            d["channels"]["slack"].pop("bot_token")
            and None
            or d["channels"]["telegram"].update(enabled=True)
        ),
    )
    assert found(config) == []
    [warning] = found(config, "warning")
    assert (
        warning.file == "SALESBOT_TELEGRAM_TOKEN" and "channels.telegram.enabled" in warning.problem
    )


def test_thin_one_language_and_unrouted_intents_are_warnings(config: Path) -> None:
    def thin(data: dict[str, Any]) -> None:
        item = next(i for i in data["nlu"] if i["intent"] == "ask_warranty")
        item["examples"] = "- warranty?\n- guarantee?\n- is it covered\n"
        data["nlu"].append(
            {
                "intent": "ask_opening_hours",
                "examples": "".join(f"- open at {h}?\n" for h in range(12)),
            }
        )

    edit_yaml(config / "nlu" / "en.yml", thin)
    edit_yaml(
        config / "nlu" / "zh.yml",
        # A business's own intent: the built-in ones (stop, greet...) are never missing.
        lambda d: d.update(nlu=[i for i in d["nlu"] if i["intent"] != "request_quote"]),
    )
    warnings = found(config, "warning")
    assert found(config) == []
    messages = {(Path(w.file).name, w.key): w.problem for w in warnings}
    assert set(messages) == {
        ("en.yml", "ask_warranty"),
        ("en.yml", "ask_opening_hours"),
        ("zh.yml", "ask_opening_hours"),
        ("zh.yml", "request_quote"),
    }
    assert messages[("en.yml", "ask_warranty")].startswith("only 3 examples")
    assert messages[("en.yml", "ask_opening_hours")].startswith("no behaviour")
    assert messages[("zh.yml", "ask_opening_hours")].startswith("only in nlu/en.yml")
    assert messages[("zh.yml", "request_quote")].startswith("only in nlu/en.yml")


def test_an_intent_the_flows_need_but_no_data_teaches(config: Path) -> None:
    for lang in ("en", "zh"):
        edit_yaml(
            config / "nlu" / f"{lang}.yml",
            lambda d: d.update(nlu=[i for i in d["nlu"] if i["intent"] != "book_call"]),
        )
    [warning] = found(config, "warning")
    assert warning.key == "book_call" and "the booking flow starts on it" in warning.problem


def test_faq_entries_their_own_question_does_not_find(config: Path) -> None:
    def add(data: dict[str, Any]) -> None:
        data["entries"] += [
            {  # the same question as delivery-time, which comes first
                "id": "delivery-again",
                "topic": "shipping",
                "question": {"en": "How long does delivery take?", "zh": "配送时效是多久？"},
                "answer": {"en": "x", "zh": "x"},
            },
            {  # nothing to search for
                "id": "vague",
                "topic": "company",
                "question": {"en": "What about it?", "zh": "关于保修期限的说明"},
                "answer": {"en": "x", "zh": "x"},
                "products": ["nope"],
            },
        ]

    edit_yaml(config / "catalog" / "faq.yaml", add)
    warnings = {w.key: w.problem for w in found(config, "warning")}
    # One of the two same questions finds the other entry first (which one is BM25's call).
    [(twin, problem)] = [
        (k, v) for k, v in warnings.items() if k.endswith("question.en") and "first" in v
    ]
    other = "delivery-time" if twin.startswith("delivery-again") else "delivery-again"
    assert problem == f"its own question finds faq {other!r} (How long does delivery take?) first"
    assert warnings["vague.question.en"] == "its own question finds nothing"
    assert "'nope' is not a product id" in warnings["entries.6.products"]
    assert not any(k.endswith("question.zh") for k in warnings)  # their own Chinese questions


def test_the_demo_brand_left_in_texts_is_a_warning(config: Path) -> None:
    edit_yaml(
        config / "texts" / "en.yaml",
        lambda d: d.update(greeting="Hi! I'm the Auralis assistant. Ask me about the Cam 4K."),
    )
    edit_yaml(
        config / "nlu" / "zh.yml",
        lambda d: d["nlu"][0].update(examples=d["nlu"][0]["examples"] + "- 你好，是 Auralis 吗\n"),
    )
    warnings = found(config, "warning")
    # the first intent of an init file is ask_price: the built-in greet is not copied there
    assert where(warnings, config) == {("texts/en.yaml", "greeting"), ("nlu/zh.yml", "ask_price")}
    assert "names 'Auralis', which is another business's (the demo's), not Blue Fern Studio's" in (
        warnings[0].problem
    )


def test_duplicate_keys_are_warnings(config: Path) -> None:
    path = config / "texts" / "en.yaml"
    path.write_text(path.read_text(encoding="utf-8") + 'goodbye: "Bye!"\n', encoding="utf-8")
    [warning] = found(config, "warning")
    assert (
        warning.key.startswith("goodbye (line ") and "only the last one counts" in warning.problem
    )


def test_cli_prints_one_line_per_problem_and_exits_1_on_errors(config: Path) -> None:
    edit_yaml(config / "booking.yaml", lambda d: d.update(slot_minutes="x", horizon_days=0))
    edit_yaml(config / "texts" / "en.yaml", lambda d: d.update(goodbye="Bye from Auralis"))
    result = runner.invoke(app, ["check", "--config", str(config), "--no-nlu"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "Traceback" not in result.output
    assert lines == [
        f"error: {config / 'booking.yaml'}: slot_minutes: Input should be a valid integer, "
        "unable to parse string as an integer (write a whole number)",
        f"error: {config / 'booking.yaml'}: horizon_days: Input should be greater than or "
        "equal to 1 (use a larger number)",
        f"warning: {config / 'texts/en.yaml'}: goodbye: names 'Auralis', which is another "
        "business's (the demo's), not Blue Fern Studio's (replace it with your own name or "
        "product, or remove it)",
        "2 errors, 1 warning",
    ]


def test_cli_json_shape(config: Path) -> None:
    edit_yaml(config / "booking.yaml", lambda d: d.update(slot_minutes="x"))
    result = runner.invoke(app, ["check", "--config", str(config), "--json"])
    assert result.exit_code == 1
    body = json.loads(result.output)
    assert set(body) == {"errors", "warnings", "nlu"}
    assert body["errors"] == [
        {
            "file": str(config / "booking.yaml"),
            "key": "slot_minutes",
            "problem": "Input should be a valid integer, unable to parse string as an integer",
            "fix": "write a whole number",
        }
    ]
    assert body["warnings"] == []
    assert set(body["nlu"]) == {"en", "zh"} and all(0 < v <= 1 for v in body["nlu"].values())


def test_a_missing_directory_is_one_error() -> None:
    result = runner.invoke(app, ["check", "--config", "/nonexistent/salesbot", "--no-nlu"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "error: /nonexistent/salesbot: configuration directory not found (pass --config DIR)"
    )


def test_the_shipped_demo_has_no_errors() -> None:
    result = runner.invoke(app, ["check", "--config", str(ROOT / "config")])
    assert result.exit_code == 0, result.output
    summary = result.output.splitlines()[-1]
    assert summary.startswith("0 errors") and "NLU cross-validation accuracy en " in summary


def test_a_lead_field_mapped_to_a_column_it_cannot_fill_is_one_error(config: Path) -> None:
    # #16: `maps_to` says where an answer goes; a name cannot be the lead's value.
    edit_yaml(config / "lead_form.yaml", lambda d: d["fields"][0].update(maps_to="estimated_value"))
    [error] = found(config)
    assert (error.key, error.problem) == (
        "fields.0.maps_to",
        "'estimated_value' needs validator number, not 'text'",
    )
