"""Markdown tables for the small-data benchmark and the BENCHMARKS.md blocks they fill."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
from intents import Scores
from nlu_benchmark import _provenance

from dialogs.nlu import evaluate

OUTPUT = Path(__file__).resolve().parent.parent.parent / "BENCHMARKS.md"


def provenance(command: str) -> str:
    return _provenance(command)


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def option_table(rows: dict[tuple[str, str], list[Scores]], per_split: bool = False) -> str:
    """One line per (set, option): means over the set's splits, and the worst split."""
    head = (
        "| set | option | overall | in-scope | OOS recall | balanced | worst split overall "
        + ("| per split overall " if per_split else "")
        + "|\n| --- | --- | ---: | ---: | ---: | ---: | ---: "
        + ("| --- " if per_split else "")
        + "|\n"
    )
    lines = []
    for (group, option), scores in rows.items():
        recalls = [s.oos_recall for s in scores if s.oos_recall is not None]
        line = (
            f"| {group} | {option} | {pct(np.mean([s.overall for s in scores]))} "
            f"| {pct(np.mean([s.in_scope for s in scores]))} "
            f"| {pct(np.mean(recalls)) if recalls else 'n/a'} "
            f"| {pct(np.mean([s.balanced for s in scores]))} "
            f"| {pct(min(s.overall for s in scores))} "
        )
        if per_split:
            line += "| " + " / ".join(f"{s.overall * 100:.1f}" for s in scores) + " "
        lines.append(line + "|")
    return head + "\n".join(lines) + "\n"


def timing_table() -> str:
    """Training and parsing on a business-sized set: 15 intents x 20 examples, en and zh."""
    import sets

    en = sets.read_csv(sets.DATA / "clinc_fewshot" / "split0" / "train.csv")
    zh = [e for e in sets.read_csv(sets.DATA / "xsid" / "zh" / "train.csv")]
    started = time.perf_counter()
    reports = [evaluate(en, en, "en", oos_label="oos"), evaluate(zh, zh, "zh", oos_label="oos")]
    total = time.perf_counter() - started
    return (
        "| business-sized data | train s (en + zh) | p50 parse ms en | p50 parse ms zh |\n"
        "| --- | ---: | ---: | ---: |\n"
        f"| 15 intents x 20 (CLINC split0) + xSID zh (300, 15 intents) "
        f"| {sum(r.train_seconds for r in reports):.2f} (wall {total:.1f} incl. scoring) "
        f"| {reports[0].latency_ms_p50:.3f} | {reports[1].latency_ms_p50:.3f} |\n"
    )


def write(blocks: dict[str, str]) -> None:
    """Replace ``<!-- smalldata:NAME -->`` blocks in BENCHMARKS.md; the rest stays."""
    text = OUTPUT.read_text(encoding="utf-8")
    for name, body in blocks.items():
        pattern = re.compile(
            rf"(<!-- smalldata:{name} -->\n).*?(<!-- /smalldata:{name} -->)", re.DOTALL
        )
        if not pattern.search(text):
            raise SystemExit(f"BENCHMARKS.md lacks the <!-- smalldata:{name} --> markers")
        text = pattern.sub(lambda m, b=body: m.group(1) + b + m.group(2), text)
    OUTPUT.write_text(text, encoding="utf-8")
