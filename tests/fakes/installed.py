"""A package "installed" the way pip leaves it: the module plus its ``*.dist-info`` with entry
points, in a temp dir on ``sys.path``. Tests of the ``salesbot.flows`` and
``salesbot.channels`` entry-point groups use it (no network, no pip)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest


def install(
    monkeypatch: pytest.MonkeyPatch,
    site: Path,
    module: str,
    source: str,
    entry_points: dict[str, dict[str, str]],
) -> Path:
    """Write ``module`` with ``source`` and a dist-info declaring ``entry_points``
    (group -> name -> ``module:attr``); put ``site`` first on ``sys.path``."""
    (site / module).mkdir(parents=True)
    (site / module / "__init__.py").write_text(textwrap.dedent(source))
    info = site / f"{module}-0.1.dist-info"
    info.mkdir()
    name = module.replace("_", "-")
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    groups = "".join(
        f"[{group}]\n" + "".join(f"{key} = {target}\n" for key, target in points.items())
        for group, points in entry_points.items()
    )
    (info / "entry_points.txt").write_text(groups)
    monkeypatch.syspath_prepend(str(site))
    # A module of the same name imported by an earlier test must not shadow this one.
    monkeypatch.delitem(sys.modules, module, raising=False)
    return site
