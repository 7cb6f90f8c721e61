"""Progress of a benchmark run: done/total, pass rate so far, time per unit and ETA.

Example:
    >>> progress = Progress(total=4)
    >>> progress.add(record)                      # doctest: +SKIP
    >>> progress.line(record)                     # doctest: +SKIP
    '[#####...............] [1/4] HumanEval/0 baseline s0 PASS | passed 1/1 (100.0%) | ...'
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from dspy_coder.bench.store import ResultRecord


@dataclass
class Progress:
    """Counts over the whole run (earlier sessions included); timing over this session."""

    total: int
    already: list[ResultRecord] = field(default_factory=list)
    session_done: int = 0
    session_passed: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def done(self) -> int:
        return len(self.already) + self.session_done

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.already) + self.session_passed

    @property
    def pass_rate(self) -> float:
        return self.passed / self.done if self.done else 0.0

    @property
    def seconds_per_unit(self) -> float | None:
        if not self.session_done:
            return None
        return (time.monotonic() - self.started) / self.session_done

    @property
    def eta(self) -> timedelta | None:
        per_unit = self.seconds_per_unit
        if per_unit is None:
            return None
        return timedelta(seconds=round(per_unit * (self.total - self.done)))

    def add(self, record: ResultRecord) -> None:
        self.session_done += 1
        self.session_passed += int(record.passed)

    def line(self, record: ResultRecord) -> str:
        """One log line for a finished unit."""
        verdict = "PASS" if record.passed else f"fail ({record.grade_status})"
        if record.test_classes_total is not None:
            verdict += f" {record.test_classes_passed}/{record.test_classes_total} test classes"
        per_unit = self.seconds_per_unit
        timing = f"{per_unit:.1f} s/unit | ETA {self.eta}" if per_unit is not None else ""
        return (
            f"{bar(self.done, self.total)} [{self.done}/{self.total}] {record.task_id} "
            f"{record.variant} s{record.sample} "
            f"{verdict} | passed {self.passed}/{self.done} ({100 * self.pass_rate:.1f}%) | "
            f"{record.cost.lm_calls} calls, {record.cost.tokens} tok, "
            f"{record.cost.wall_time_s:.1f} s | {timing}"
        )


def bar(done: int, total: int, width: int = 20) -> str:
    """A text progress bar, e.g. ``[#####...............]`` for 1 of 4.

    >>> bar(1, 4)
    '[#####...............]'
    """
    filled = round(width * done / total) if total else width
    return "[" + "#" * filled + "." * (width - filled) + "]"
