"""`salesbot init`: a complete, valid configuration for a new business, and nothing of the
demo's in it (#15)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.authoring.check import run_check
from bot.authoring.scaffold import parse_business, render_files
from bot.authoring.scaffold.render import RenderError, render
from bot.cli.main import app
from bot.settings.model import load_settings
from bot.settings.scheduler import EmailSettings
from dialogs.core.content import load_content
from dialogs.core.settings import BusinessSettings
from dialogs.core.wording import REQUIRED
from dialogs.nlu import load_examples
from dialogs.nlu.builtin import builtin_examples
from dialogs.registry import FlowRegistry
from dialogs.understanding import OUT_OF_SCOPE
from tests.authoring.conftest import NAME, new_config

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
# Whatever names the demo in config/: its brand, products, reps and domain.
DEMO = re.compile(
    r"auralis|cam ?4k|mic pod|huddle kit|room kit|care plus|maya|lena|daniel brooks|kevin liu"
    r"|meeting room|会议室|视频会议",
    re.IGNORECASE,
)


def all_text(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): p.read_text(encoding="utf-8")
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_init_writes_a_configuration_that_checks_clean_and_loads(tmp_path: Path) -> None:
    target = tmp_path / "acme"
    result = runner.invoke(
        app,
        ["init", str(target), "--name", "Acme Ltd", "--languages", "en,zh", "--currency",
         "eur,usd", "--timezone", "Europe/Berlin", "--kind", "goods"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    files = all_text(target)
    assert set(files) == {
        "README.md",
        "settings.yaml",
        "booking.yaml",
        "reps.yaml",
        "lead_form.yaml",
        "intents.yaml",
        "survey.yaml",
        "catalog/products.yaml",
        "catalog/faq.yaml",
        "texts/en.yaml",
        "texts/zh.yaml",
        "nlu/en.yml",
        "nlu/zh.yml",
    }
    assert all(f"wrote {target / name}" in result.output for name in files)
    report = run_check(target, {})
    assert report.errors == [] and report.warnings == [], report.lines()
    assert report.nlu["en"] > 0.5 and report.nlu["zh"] > 0.5

    settings = load_settings(target, {})
    business = settings.business
    assert (business.name, business.languages, business.timezone) == (
        "Acme Ltd",
        ("en", "zh"),
        "Europe/Berlin",
    )
    assert business.default_phone_region == "DE" and settings.data_dir == Path(".salesbot-acme-ltd")
    content = load_content(target)
    assert content.catalog.codes == ("EUR", "USD")  # every plan priced in both (#16)
    assert content.catalog.currency_for("zh") == "EUR"
    assert all(set(p.prices) == {"EUR", "USD"} for p in content.catalog.products[0].plans)
    assert "Acme Ltd" in content.text("greeting", "en") and "Acme Ltd" in content.text(
        "greeting", "zh"
    )
    for name, text in files.items():
        assert not DEMO.search(text), f"{name}: {DEMO.search(text)}"


def test_texts_cover_the_engine_and_nlu_covers_every_routed_intent(tmp_path: Path) -> None:
    target = new_config(tmp_path / "c")
    content = load_content(target)
    for lang in ("en", "zh"):
        assert set(REQUIRED) <= set(content.texts[lang])
    routes = {i for spec in FlowRegistry.builtin() for i in spec.intents}
    for lang in ("en", "zh"):
        examples = load_examples(target / "nlu" / f"{lang}.yml")
        counts = {i: sum(e.intent == i for e in examples) for i in {e.intent for e in examples}}
        builtin = {e.intent for e in builtin_examples(lang)}
        # The built-in intents are not copied: the business's file has only its own.
        assert not set(counts) & builtin
        assert set(counts) | builtin == routes | {OUT_OF_SCOPE}
        assert min(counts.values()) >= 10


@pytest.mark.parametrize(
    ("kind", "product", "period"),
    [("goods", "widget", "once"), ("software", "app", "user"), ("service", "package", "once")],
)
def test_kind_picks_the_worked_example(
    tmp_path: Path, kind: str, product: str, period: str
) -> None:
    target = new_config(tmp_path / kind, kind=kind)
    content = load_content(target)
    [example] = content.catalog.products
    assert example.id == product and example.plans[0].unit == period
    assert example.kind == kind
    interest = next(f for f in content.lead_form.fields if f.name == "product_interest")
    assert product in [c.value for c in interest.choices]
    assert run_check(target, {}, nlu=False).findings == []


def test_one_language_writes_its_nlu_data_only(tmp_path: Path) -> None:
    target = new_config(tmp_path / "zh", languages="zh", currency="CNY", timezone="Asia/Shanghai")
    assert sorted(p.name for p in (target / "nlu").iterdir()) == ["zh.yml"]
    settings = load_settings(target, {})
    assert settings.business.languages == ("zh",) and settings.business.default_language == "zh"
    assert settings.business.default_phone_region == "CN"
    assert load_content(target).text("currency_cny", "zh") == "元"
    assert run_check(target, {}, nlu=False).findings == []


@pytest.mark.parametrize(
    "name", ['Acme "Quotes", Ltd. #1: @home', "Zoë's Café & Co.", "北京蓝蕨工作室", "- [x] *y* !z"]
)
def test_any_name_stays_valid_yaml_and_reaches_the_texts(tmp_path: Path, name: str) -> None:
    target = new_config(tmp_path / "c", name=name)
    assert load_settings(target, {}).business.name == name
    content = load_content(target)
    assert name in content.text("greeting", "en") and name in content.text("goodbye", "zh")
    assert name in content.survey.questions[1].prompt.en
    assert run_check(target, {}, nlu=False).errors == []


def test_refuses_a_non_empty_directory_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["init", str(target), "--name", NAME])
    assert result.exit_code == 2
    assert (
        result.output.count("\n") == 1
        and "not empty" in result.output
        and "--force" in result.output
    )
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    forced = runner.invoke(app, ["init", str(target), "--name", NAME, "--force"])
    assert forced.exit_code == 0, forced.output
    assert (target / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (target / "settings.yaml").is_file()
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    assert runner.invoke(app, ["init", str(a_file), "--name", NAME, "--force"]).exit_code == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--languages", "en,fr"], "--languages: fr is not supported"),
        (["--languages", "en,en"], "--languages: a language is listed twice"),
        (["--currency", "EURO"], "--currency: EURO is not a 3-letter"),
        (["--currency", "E1R"], "--currency: E1R"),
        (["--timezone", "Mars/Base"], "--timezone: unknown time zone 'Mars/Base'"),
        (["--kind", "hardware"], "--kind: 'hardware' is not one of goods, software, service"),
        (["--name", "  "], "--name: give the business's name"),
        (["--name", "Acme\nLtd"], "--name: no line breaks"),
        (["--name", "Acme {x}"], "--name: no curly braces"),
    ],
)
def test_bad_options_are_one_line_errors(tmp_path: Path, options: list[str], message: str) -> None:
    args = ["init", str(tmp_path / "new")]
    if "--name" not in options:
        args += ["--name", NAME]
    result = runner.invoke(app, [*args, *options])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and result.output.count("\n") == 1
    assert message in result.output
    assert not (tmp_path / "new").exists()


def test_the_renderer_escapes_or_refuses() -> None:
    values = {"NAME": 'A "b" #c', "LANG": "en"}
    text = render('# about @NAME@\nname: "@NAME@"\nlang: @LANG@\n', values, source="t.yaml")
    assert yaml.safe_load(text) == {"name": 'A "b" #c', "lang": "en"}
    assert text.startswith('# about A "b" #c\n')
    with pytest.raises(RenderError, match="must be quoted"):
        render("name: @NAME@\n", values, source="t.yaml")
    with pytest.raises(RenderError, match="no value for OTHER"):
        render("x: @OTHER@\n", values, source="t.yaml")
    with pytest.raises(RenderError, match="line break"):
        render('x: "@NAME@"\n', {"NAME": "a\nb"}, source="t.yaml")
    with pytest.raises(RenderError, match="changed the structure"):
        render("langs: [@LANG@]\n", {"LANG": "en, zh"}, source="t.yaml")


def test_every_kind_and_language_renders(tmp_path: Path) -> None:
    for kind in ("goods", "software", "service"):
        for langs in ("en", "zh", "en,zh", "zh,en"):
            business = parse_business(NAME, langs, "usd", "UTC", kind)
            files = render_files(business, tmp_path)
            assert {f"nlu/{lang}.yml" for lang in langs.split(",")} <= set(files)


def test_engine_code_and_defaults_do_not_name_the_demo() -> None:
    # The demo's own seeding (bot/demo) may; nothing a new business runs should.
    for package in ("bot", "channels", "dialogs", "crm_store"):
        for path in (ROOT / package).rglob("*"):
            parts = path.relative_to(ROOT).parts
            if path.suffix in (".py", ".yaml", ".yml", ".html", ".js") and parts[1] != "demo":
                text = path.read_text(encoding="utf-8", errors="ignore")
                assert "auralis" not in text.lower(), path
    assert BusinessSettings().name == "" and "example.com" in EmailSettings().sender
