"""Paired differences between two rows on the same problems (which problems one gains or loses).

Two variants graded on the same problems are best compared problem by problem: the problems
only the second solves (gained), only the first solves (lost), and the exact two-sided McNemar
p-value for those discordant pairs (a binomial test with p = 1/2). With one sample per problem
and a handful of discordant pairs, "one problem more" is usually p = 1.0: no evidence.

Example:
    >>> mcnemar_exact(gained=1, lost=0)
    1.0
    >>> round(mcnemar_exact(gained=9, lost=1), 4)
    0.0215
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from math import comb

from dspy_coder.bench.store import ResultRecord


@dataclass(frozen=True)
class PairedDifference:
    """How a row differs from a reference row on the problems both answered once."""

    problems: int
    gained: list[str]
    lost: list[str]
    fewer_calls: list[str] = field(default_factory=list)  # fewer LM calls than the reference
    more_calls: list[str] = field(default_factory=list)

    @property
    def p_value(self) -> float:
        return mcnemar_exact(len(self.gained), len(self.lost))

    @property
    def calls_p_value(self) -> float:
        """Sign test on the problems whose LM calls differ (the same binomial as McNemar's)."""
        return mcnemar_exact(len(self.fewer_calls), len(self.more_calls))

    def describe(self) -> str:
        return f"+{len(self.gained)} / -{len(self.lost)} ({format_p_value(self.p_value)})"

    def describe_calls(self) -> str:
        return (
            f"fewer LM calls on {len(self.fewer_calls)}, more on {len(self.more_calls)} "
            f"(sign test {format_p_value(self.calls_p_value)})"
        )


def format_p_value(p: float) -> str:
    """``p = 0.25`` with two decimals, three below 0.01, and ``p < 0.001`` below that (a small
    p-value rounded to ``0.00`` reads as zero).

    >>> format_p_value(1.0), format_p_value(0.0215), format_p_value(0.0043), format_p_value(3e-4)
    ('p = 1.00', 'p = 0.02', 'p = 0.004', 'p < 0.001')
    """
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def mcnemar_exact(gained: int, lost: int) -> float:
    """Two-sided exact McNemar p-value for ``gained`` vs ``lost`` discordant pairs."""
    if gained < 0 or lost < 0:
        raise ValueError("Counts of discordant pairs cannot be negative.")
    n = gained + lost
    if n == 0:
        return 1.0
    tail = sum(comb(n, i) for i in range(min(gained, lost) + 1)) / 2**n
    return min(1.0, 2 * tail)


def single_sample_outcomes(records: Iterable[ResultRecord]) -> dict[str, bool] | None:
    """``task_id -> passed`` when every problem has exactly one sample, else ``None``."""
    outcomes: dict[str, bool] = {}
    for record in records:
        if record.task_id in outcomes:
            return None
        outcomes[record.task_id] = record.passed
    return outcomes


def paired_difference(
    reference: Iterable[ResultRecord], other: Iterable[ResultRecord]
) -> PairedDifference | None:
    """``other`` against ``reference`` on their common problems; ``None`` when either row has
    several samples per problem (pass@k rows are compared by their estimates instead)."""
    reference, other = list(reference), list(other)
    before, after = single_sample_outcomes(reference), single_sample_outcomes(other)
    if before is None or after is None:
        return None
    common = sorted(set(before) & set(after), key=_task_order)
    calls_before = {r.task_id: r.cost.lm_calls for r in reference}
    calls_after = {r.task_id: r.cost.lm_calls for r in other}
    return PairedDifference(
        problems=len(common),
        gained=[t for t in common if after[t] and not before[t]],
        lost=[t for t in common if before[t] and not after[t]],
        fewer_calls=[t for t in common if calls_after[t] < calls_before[t]],
        more_calls=[t for t in common if calls_after[t] > calls_before[t]],
    )


def _task_order(task_id: str) -> tuple[str, int, str]:
    prefix, _, number = task_id.rpartition("/")
    return (prefix, int(number), "") if number.isdigit() else (task_id, -1, task_id)
