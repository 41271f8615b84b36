"""``salesbot check``: everything wrong or weak in a configuration, each on one line.

Errors are what stops the bot or breaks it mid-conversation: unreadable YAML, schema errors
(every one, file by file), a missing business name, missing or malformed texts. Warnings
are what makes it worse than it could be: intents no flow acts on or no data teaches, thin
or one-language intents, FAQ entries their own question does not find, another business's
names left in the files, secrets a feature needs that the environment lacks. The NLU data
is cross-validated per language (1-2 s on the demo; the whole check takes about 5 s).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.assembly import dialog_manager
from bot.authoring.check.faq import check_faq
from bot.authoring.check.files import load_all
from bot.authoring.check.intents import check_behaviours, check_intents, measure
from bot.authoring.check.names import check_names
from bot.authoring.check.report import Finding, Report

__all__ = ["Finding", "Report", "run_check"]


def run_check(
    directory: Path, environ: Mapping[str, str] | None = None, *, nlu: bool = True
) -> Report:
    """Check the configuration in ``directory``; ``nlu=False`` skips the cross-validation."""
    report = Report()
    if not directory.is_dir():
        report.error(str(directory), "", "configuration directory not found", "pass --config DIR")
        return report
    loaded = load_all(directory, report, environ)
    # The routes of the flows the bot would run (salesbot's own and installed packages'),
    # overridden by intents.yaml as the bot would.
    manager = dialog_manager()
    check_intents(loaded, check_behaviours(loaded, manager, report), report)
    check_faq(loaded, report)
    check_names(loaded, report)
    if nlu:
        measure(loaded.examples, report)
    return report
