"""The small-data sets of #17, read from ``benchmarks/datasets``: one ``Task`` per run.

Dev tasks (``--dev``) are built only from data that is never scored: CLINC150 ``train``/``val``
few-shot splits with seeds 2000+k (``clinc_fewshot`` uses 1000+k), CLINC's ``oos_train`` +
``oos_val`` as their out-of-scope queries, the ``val`` splits of ``banking77_oos`` and
``clinc_single_domain_oos``, HWU64 ``val``, and xSID ``train`` folds. Test tasks score the
published test splits.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dialogs.nlu import Example

DATA = Path(__file__).resolve().parent.parent / "datasets"
OOS = "oos"
XSID_UNSEEN = "alarm/time_left_on_alarm"  # only in xSID's test split: out of scope
DEV_SEEDS = tuple(2000 + k for k in range(5))
SHOTS = (10, 20)


@dataclass(frozen=True)
class Task:
    group: str  # rows with the same group are averaged in the report
    name: str
    lang: str
    train: list[Example]
    test: list[Example]
    has_oos: bool


def read_csv(path: Path) -> list[Example]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [Example(row["text"], row["label"]) for row in csv.DictReader(handle)]


def _clinc() -> dict[str, list[Example]]:
    raw = json.loads((DATA / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    return {split: [Example(t, label) for t, label in rows] for split, rows in raw.items()}


def _subsample(examples: list[Example], shots: int, seed: int) -> list[Example]:
    rng = random.Random(seed)
    by: dict[str, list[Example]] = {}
    for e in examples:
        by.setdefault(e.intent, []).append(e)
    return [e for label in sorted(by) for e in rng.sample(by[label], min(shots, len(by[label])))]


def clinc_dev(seed: int) -> tuple[list[Example], list[Example]]:
    """``make.py``'s protocol on train/val: 15 intents x 20 from train, their val queries and
    CLINC's oos_train + oos_val (the test split and oos_test stay unseen)."""
    d = _clinc()
    intents = sorted({e.intent for e in d["train"]})
    rng = random.Random(seed)
    picked = sorted(rng.sample(intents, 15))
    by: dict[str, list[str]] = {i: [] for i in intents}
    for e in d["train"]:
        by[e.intent].append(e.text)
    train = [Example(t, i) for i in picked for t in rng.sample(by[i], 20)]
    test = [e for e in d["val"] if e.intent in picked]
    test += [Example(e.text, OOS) for e in d["oos_train"] + d["oos_val"]]
    return train, test


def _xsid(lang: str, split: str) -> list[Example]:
    return read_csv(DATA / "xsid" / lang / f"{split}.csv")


def _xsid_test(lang: str) -> list[Example]:
    return [Example(e.text, OOS) if e.intent == XSID_UNSEEN else e for e in _xsid(lang, "test")]


def xsid_holdout(lang: str, seed: int, split: str) -> tuple[list[Example], list[Example]]:
    """Chinese (or English) out-of-scope protocol: hold out 4 of xSID's intents (seeded);
    their test queries (and the unseen one) are out of scope. ``split="dev"`` scores on a
    seeded third of ``train`` instead, so choosing constants never touches ``test``."""
    train = _xsid(lang, "train")
    counts: dict[str, int] = {}
    for e in train:
        counts[e.intent] = counts.get(e.intent, 0) + 1
    eligible = sorted(i for i, n in counts.items() if n >= 5)
    held = set(random.Random(seed).sample(eligible, 4))
    if split == "dev":
        rng = random.Random(seed + 1)
        rows = list(train)
        rng.shuffle(rows)
        cut = len(rows) // 3
        test_rows, train = rows[:cut], rows[cut:]
    else:
        test_rows = _xsid_test(lang)
    keep = [e for e in train if e.intent not in held]
    test = [Example(e.text, OOS) if e.intent in held else e for e in test_rows]
    return keep, test


def oos_tasks(split: str) -> Iterator[Task]:
    """Few-shot with out-of-scope: CLINC few-shot, single-domain, BANKING77-OOS, xSID zh/en."""
    if split == "dev":
        for k, seed in enumerate(DEV_SEEDS):
            yield Task("clinc_fewshot (dev)", f"dev split {k}", "en", *clinc_dev(seed), True)
    else:
        for k in range(5):
            folder = DATA / "clinc_fewshot" / f"split{k}"
            train, test = read_csv(folder / "train.csv"), read_csv(folder / "test.csv")
            yield Task("clinc_fewshot", f"split{k}", "en", train, test, True)
    scored = "val" if split == "dev" else "test"
    for domain in ("banking", "credit_cards"):
        folder = DATA / "clinc_single_domain_oos" / domain
        train, test = read_csv(folder / "train.csv"), read_csv(folder / f"{scored}.csv")
        yield Task(f"clinc_single_domain_oos ({scored})", domain, "en", train, test, True)
    folder = DATA / "banking77_oos"
    train, test = read_csv(folder / "train.csv"), read_csv(folder / f"{scored}.csv")
    yield Task(f"banking77_oos ({scored})", "50 intents", "en", train, test, True)
    for lang in ("zh", "en"):
        for seed in (3000, 3001, 3002):
            train, test = xsid_holdout(lang, seed, split)
            yield Task(f"xsid/{lang} 4 intents held out ({split})", f"seed {seed}", lang,
                       train, test, True)  # fmt: skip


def inscope_tasks(split: str) -> Iterator[Task]:
    """Few-shot in scope: HWU64 at 10 and 20 shots (seeded), xSID en and zh."""
    scored = "val" if split == "dev" else "test"
    hwu_train = read_csv(DATA / "hwu64" / "train.csv")
    hwu_test = read_csv(DATA / "hwu64" / f"{scored}.csv")
    seeds = DEV_SEEDS[:3] if split == "dev" else (0, 1, 2)
    for shots in SHOTS:
        for seed in seeds:
            train = _subsample(hwu_train, shots, seed)
            yield Task(f"hwu64 {shots}-shot ({scored})", f"seed {seed}", "en", train, hwu_test,
                       False)  # fmt: skip
    if split == "test":
        for lang in ("en", "zh"):
            yield Task(f"xsid/{lang}", "valid -> test", lang, _xsid(lang, "train"),
                       _xsid_test(lang), True)  # fmt: skip
