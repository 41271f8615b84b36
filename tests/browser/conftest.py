"""Shared set-up of the real-browser tests: Debian's chromium driven by Playwright.

Playwright never downloads a browser here (`playwright install` is not used); it drives
/usr/bin/chromium. Without chromium the tests skip locally and fail under CI, where they
must run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
EXECUTABLE = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
# Flags for a root user in a sandbox without a GPU and without the internet: background
# networking would otherwise try (and fail) to reach Google's hosts at every start.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def browser_problem() -> str | None:
    if EXECUTABLE is None:
        return "chromium is not installed (apt-get install -y chromium)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright; never `playwright install`)"
    return None


@pytest.fixture(scope="module", autouse=True)
def _browser_available() -> None:
    problem = browser_problem()
    if problem and os.environ.get("CI"):
        pytest.fail(f"the browser test must run under CI: {problem}", pytrace=False)
    if problem:
        pytest.skip(problem)
