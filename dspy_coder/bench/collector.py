"""The driver's side of a benchmark: the one place that stores each graded answer.

Whatever runs the units (threads in this process, or Ray tasks on other machines), every
finished :class:`ResultRecord` comes back here and is appended to ``results.jsonl`` at once, so
the file has a single writer and a unit counts as done only when its line is on disk. The
collector also stops a run whose first answers all failed to run (a set-up problem, not bad
luck).

Example:
    >>> collector = Collector(store, progress, on_record=None)   # doctest: +SKIP
    >>> collector.keep(record)                                    # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dspy_coder.bench.progress import Progress
from dspy_coder.bench.store import ResultRecord, ResultsStore, append_json_line
from dspy_coder.errors import RunError

logger = logging.getLogger(__name__)

REPORTS_FILE = "reports.jsonl"
FAIL_FAST_AFTER = 3  # this many errors (program or sandbox) before any clean answer: stop


class Collector:
    """Stores records as they arrive, reports progress, and fails fast on a broken set-up."""

    def __init__(
        self,
        store: ResultsStore,
        progress: Progress,
        on_record: Callable[[ResultRecord, Progress], None] | None,
    ) -> None:
        self.store, self.progress, self.on_record = store, progress, on_record
        self.records: list[ResultRecord] = []
        self._only_errors = True

    def keep(self, record: ResultRecord) -> None:
        """Append ``record`` to the results file, count it and tell the session."""
        self.store.append(record)
        self.records.append(record)
        self.progress.add(record)
        logger.info("%s", self.progress.line(record))
        if self.on_record is not None:
            self.on_record(record, self.progress)

    def keep_checked(self, record: ResultRecord) -> None:
        """:meth:`keep`, then raise ``RunError`` if every answer so far failed to run."""
        self.keep(record)
        self._only_errors = self._only_errors and record.failed_to_run
        if self._only_errors and len(self.records) >= FAIL_FAST_AFTER:
            raise set_up_problem(record, len(self.records))


def set_up_problem(last: ResultRecord, count: int) -> RunError:
    """The error that stops a run whose first ``count`` answers all failed to run."""
    if last.harness_error:
        return RunError(
            f"The sandbox failed on the first {count} problems (last: "
            f"{last.harness_error[:300]}). It looks broken on this machine, not unlucky; fix "
            "it, then rerun the same command with --retry-errors to resume."
        )
    return RunError(
        f"The program raised on the first {count} problems "
        f"(last: {last.program_error[:300]}). This looks like a set-up problem "
        "(LM server, model, pipeline bug), not wrong answers; fix it, then rerun "
        "the same command with --retry-errors to resume."
    )


def save_report_line(out_dir: Path, line: dict[str, Any]) -> None:
    """Append one unit's full DevelopmentReport line to ``reports.jsonl``."""
    append_json_line(out_dir / REPORTS_FILE, line)
