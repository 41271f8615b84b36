"""NLU benchmark on public datasets; writes the NLU section of BENCHMARKS.md.

    python benchmarks/nlu_benchmark.py [--dataset clinc150|banking77|config|all] [--compare]

CLINC150 (data_full): train on ``train`` + ``oos_train`` (out-of-scope as its own class),
calibrate and choose the threshold on ``val`` + ``oos_val``, report on ``test`` + ``oos_test``.
BANKING77: closed-set, train on ``train.csv``, report on ``test.csv``. ``config``: 5-fold
cross-validation on the shipped ``config/nlu/{en,zh}.yml`` (the only Chinese data at hand).
``--compare`` adds the model-selection tables (validation data only, see model_selection.py).
Nothing is ever tuned on a test split.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "datasets"
OUTPUT = ROOT / "BENCHMARKS.md"
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from dialogs.nlu import EvalReport, Example, evaluate, load_examples  # noqa: E402

ANCHORS = (
    "CLINC150: in-scope accuracy >= 92% with out-of-scope recall >= 50%; training < 60 s",
    "BANKING77: accuracy >= 90%",
    "p50 inference < 0.5 ms per message",
)


BLOCKS = ("results", "anchors", "config", "compare")


@dataclass(frozen=True)
class Row:
    dataset: str
    setting: str
    report: EvalReport


def clinc150() -> dict[str, list[Example]]:
    raw = json.loads((DATA / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    return {split: [Example(t, label) for t, label in rows] for split, rows in raw.items()}


def banking77(split: str) -> list[Example]:
    with (DATA / "banking77" / f"{split}.csv").open(encoding="utf-8", newline="") as handle:
        return [Example(r["text"], r["category"]) for r in csv.DictReader(handle)]


def run_clinc() -> list[Row]:
    d = clinc150()
    test = d["test"] + d["oos_test"]
    validation = d["val"] + d["oos_val"]
    rows = []
    for setting, train in (
        ("oos class + threshold on val (default)", d["train"] + d["oos_train"]),
        ("threshold on val only (no oos_train)", d["train"]),
    ):
        report = evaluate(train, test, "en", oos_label="oos", validation=validation)
        rows.append(Row("CLINC150", setting, report))
        print(f"CLINC150 {setting}: {report}", flush=True)
    return rows


def run_banking() -> list[Row]:
    report = evaluate(banking77("train"), banking77("test"), "en")
    print(f"BANKING77: {report}", flush=True)
    return [Row("BANKING77", "closed set, no threshold", report)]


def run_config(folds: int = 5) -> list[tuple[str, float, float]]:
    """Mean accuracy and its spread over ``folds`` cross-validation folds, per language."""
    results = []
    for lang in ("en", "zh"):
        examples = load_examples(ROOT / "config" / "nlu" / f"{lang}.yml")
        random.Random(0).shuffle(examples)
        scores = []
        for k in range(folds):
            test = examples[k::folds]
            train = [e for i, e in enumerate(examples) if i % folds != k]
            scores.append(evaluate(train, test, lang).accuracy)
        results.append((lang, float(np.mean(scores)), float(np.std(scores))))
        print(f"config/nlu/{lang}.yml {folds}-fold: {results[-1]}", flush=True)
    return results


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def results_block(rows: list[Row], command: str) -> str:
    head = (
        "| dataset | setting | accuracy | in-scope acc. | OOS recall | OOS precision | macro-F1 "
        "| train s | p50 ms | p95 ms | threshold |\n"
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
    )
    lines = [
        f"| {r.dataset} | {r.setting} | {pct(r.report.accuracy)} "
        f"| {pct(r.report.in_scope_accuracy)} | {pct(r.report.oos_recall)} "
        f"| {pct(r.report.oos_precision)} | {r.report.macro_f1:.3f} "
        f"| {r.report.train_seconds:.1f} | {r.report.latency_ms_p50:.3f} "
        f"| {r.report.latency_ms_p95:.3f} | {r.report.threshold:.3f} |"
        for r in rows
    ]
    return f"{_provenance(command)}\n\n{head}" + "\n".join(lines) + "\n"


def anchors_block(rows: list[Row]) -> str:
    checks: list[tuple[str, bool, str]] = []
    for r in rows:
        rep = r.report
        if r.dataset == "CLINC150" and "default" in r.setting:
            ok = rep.in_scope_accuracy >= 0.92 and (rep.oos_recall or 0) >= 0.5
            got = f"{pct(rep.in_scope_accuracy)} in-scope, {pct(rep.oos_recall)} OOS recall"
            checks.append(("CLINC150 in-scope >= 92% with OOS recall >= 50%", ok, got))
            checks.append(
                ("CLINC150 training < 60 s", rep.train_seconds < 60, f"{rep.train_seconds:.1f} s")
            )
        if r.dataset == "BANKING77":
            checks.append(("BANKING77 accuracy >= 90%", rep.accuracy >= 0.9, pct(rep.accuracy)))
        checks.append(
            (
                f"p50 inference < 0.5 ms ({r.dataset}, {r.setting})",
                rep.latency_ms_p50 < 0.5,
                f"{rep.latency_ms_p50:.3f} ms",
            )
        )
    lines = [f"| {name} | {got} | {'met' if ok else '**missed**'} |" for name, ok, got in checks]
    return "| anchor | measured | |\n| --- | --- | --- |\n" + "\n".join(lines) + "\n"


def config_block(results: list[tuple[str, float, float]], command: str) -> str:
    lines = [
        f"| `config/nlu/{lang}.yml` | {mean * 100:.1f}% ± {std * 100:.1f} |"
        for lang, mean, std in results
    ]
    head = "| training data | 5-fold accuracy (mean ± sd) |\n| --- | ---: |\n"
    return f"{_provenance(command)}\n\n{head}" + "\n".join(lines) + "\n"


def compare_block(command: str, budget_s: float) -> str:
    from model_selection import compare_classifiers, compare_oos_scores

    d = clinc150()
    val = d["val"] + d["oos_val"]
    options = compare_classifiers(d["train"], d["oos_train"], val, textcat_budget_s=budget_s)
    scores = compare_oos_scores(d["train"], d["oos_train"], val)
    out = [_provenance(command), ""]
    out.append("| option (CLINC150 val + oos_val) | in-scope, no threshold | in-scope | OOS recall "
               "| train s |\n| --- | ---: | ---: | ---: | ---: |")  # fmt: skip
    out += [
        f"| {o.name} | {pct(o.in_scope_no_threshold)} | {pct(o.in_scope)} "
        f"| {pct(o.oos_recall)} | {o.train_seconds:.1f} |"
        for o in options
    ]
    out += ["", "| out-of-scope score (default model, val) | in-scope | OOS recall |"]
    out += ["| --- | ---: | ---: |"]
    out += [f"| {name} | {pct(acc)} | {pct(rec)} |" for name, acc, rec in scores]
    return "\n".join(out) + "\n"


def _provenance(command: str) -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return (
        f"Produced by `{command}` on {datetime.now(UTC):%Y-%m-%d}: {cpu}, "
        f"{os.cpu_count()} cores (shared with other jobs, so timings are noisy), "
        f"Python {platform.python_version()}."
    )


def write_section(blocks: dict[str, str]) -> None:
    """Replace the marked blocks in the ``## NLU`` section; other sections stay as they are."""
    text = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else "# Benchmarks\n"
    if "\n## NLU\n" not in text:
        skeleton = "".join(f"<!-- nlu:{n} -->\n<!-- /nlu:{n} -->\n\n" for n in BLOCKS)
        text = text.rstrip("\n") + "\n\n## NLU\n\n" + skeleton
    for name, body in blocks.items():
        pattern = re.compile(rf"(<!-- nlu:{name} -->\n).*?(<!-- /nlu:{name} -->)", re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"BENCHMARKS.md lacks the <!-- nlu:{name} --> markers")
        text = pattern.sub(lambda m, b=body: m.group(1) + b + m.group(2), text)
    OUTPUT.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    choices = ["clinc150", "banking77", "config", "all", "none"]
    parser.add_argument("--dataset", choices=choices, default="all")
    parser.add_argument("--compare", action="store_true", help="model-selection tables too")
    parser.add_argument("--textcat-budget", type=float, default=120.0, help="seconds")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    command = "python benchmarks/nlu_benchmark.py " + " ".join(sys.argv[1:])
    blocks: dict[str, str] = {}
    rows: list[Row] = []
    if args.dataset in ("clinc150", "all"):
        rows += run_clinc()
    if args.dataset in ("banking77", "all"):
        rows += run_banking()
    if rows and args.dataset == "all":
        blocks["results"] = results_block(rows, command.strip())
        blocks["anchors"] = anchors_block(rows)
    if args.dataset in ("config", "all"):
        blocks["config"] = config_block(run_config(), command.strip())
    if args.compare:
        blocks["compare"] = compare_block(command.strip(), args.textcat_budget)
    for body in blocks.values():
        print(body)
    # Only a full run rewrites BENCHMARKS.md (its tables come from one run), as it says.
    if not args.no_write and blocks and args.dataset == "all":
        write_section(blocks)
        print(f"updated {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
