"""Adapter from the sandbox profiler to the pipeline's ``Profiler`` callable.

Example:
    >>> profiler = complexity_profiler(budget_s=3.0)                      # doctest: +SKIP
    >>> make_input = "def make_input(n):\\n    return (list(range(n)),)"
    >>> profiler(code, "solve", make_input)                               # doctest: +SKIP
    PerformanceMetrics(time_complexity='O(n)', ...)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from dspy_coder.judge.evaluation import Profiler
from dspy_coder.types import PerformanceMetrics

logger = logging.getLogger(__name__)


def complexity_profiler(budget_s: float = 3.0, site_dirs: Sequence[str] = ()) -> Profiler:
    """A profiler that fits the time complexity of ``entry_point`` over ``make_input(n)``;
    the code imports from ``site_dirs`` (a project environment's site-packages) if given."""

    def measure(code: str, entry_point: str, make_input: str) -> PerformanceMetrics | None:
        from dspy_coder.sandbox.profiling import profile

        result = profile(code, entry_point, make_input, budget_s=budget_s, site_dirs=site_dirs)
        if result.complexity is None:
            logger.info("No complexity estimate (%s): %s", result.status, result.error[:200])
            return None
        return result.to_metrics()

    return measure
