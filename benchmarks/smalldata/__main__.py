"""Small-data benchmark (#17): few-shot intents with out-of-scope, and FAQ retrieval.

    PYTHONPATH=. python benchmarks/smalldata --dev    # selection runs: data never scored
    PYTHONPATH=. python benchmarks/smalldata --test   # the published test splits, once
    PYTHONPATH=. python benchmarks/smalldata --test --faq examples/x/catalog/faq.yaml \\
        --queries examples/x/paraphrases/en.csv      # hook: another business's FAQ

``--dev`` prints the tables that chose each constant (held-out percentile, FAQ weights); the
``--test`` tables score the default pipeline as the bot runs it next to #17's reference rule.
Both rewrite their blocks in BENCHMARKS.md unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # nlu_benchmark's provenance and BENCHMARKS.md writer

import faq_runs  # noqa: E402
import intents  # noqa: E402
import report  # noqa: E402
import sets  # noqa: E402


def dev_intents() -> str:
    rows: dict[tuple[str, str], list[intents.Scores]] = defaultdict(list)
    for task in [*sets.oos_tasks("dev"), *sets.inscope_tasks("dev")]:
        for option, scores in intents.sweep(task.train, task.test, task.lang).items():
            rows[(task.group, option)].append(scores)
        rows[(task.group, "reference: margin p10, 20% hold-out")].append(
            intents.baseline(task.train, task.test, task.lang)
        )
        print(f"dev {task.group} {task.name} done", flush=True)
    return report.option_table(rows)


def test_intents() -> str:
    rows: dict[tuple[str, str], list[intents.Scores]] = defaultdict(list)
    for task in [*sets.oos_tasks("test"), *sets.inscope_tasks("test")]:
        rows[(task.group, "default pipeline")].append(
            intents.default(task.train, task.test, task.lang)
        )
        if task.has_oos:
            rows[(task.group, "reference: margin p10, 20% hold-out")].append(
                intents.baseline(task.train, task.test, task.lang)
            )
        print(f"test {task.group} {task.name} done", flush=True)
    return report.option_table(rows, per_split=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dev", action="store_true", help="selection runs (never-scored data)")
    mode.add_argument("--test", action="store_true", help="score the test splits")
    parser.add_argument("--part", choices=["intents", "faq", "all"], default="all")
    parser.add_argument("--faq", type=Path, help="another FAQ (.csv or the bot's faq.yaml)")
    parser.add_argument("--queries", type=Path, help="its paraphrases (query,faq_id)")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    command = "PYTHONPATH=. python benchmarks/smalldata " + " ".join(sys.argv[1:])
    split = "dev" if args.dev else "test"
    blocks: dict[str, str] = {}
    if args.part in ("intents", "all"):
        body = dev_intents() if args.dev else test_intents() + "\n" + report.timing_table()
        blocks[f"intents-{split}"] = report.provenance(command) + "\n\n" + body
    if args.part in ("faq", "all"):
        if args.faq:
            body = faq_runs.external(args.faq, args.queries, args.lang)
        else:
            body = faq_runs.covid(split)
        blocks[f"faq-{split}"] = report.provenance(command) + "\n\n" + body
    for body in blocks.values():
        print(body)
    if not args.no_write and not args.faq:
        report.write(blocks)
        print("updated BENCHMARKS.md")
    np.seterr(all="ignore")


if __name__ == "__main__":
    main()
