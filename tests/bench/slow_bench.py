"""``dspy-coder bench`` on the toy problems with a program that hangs on one of them.

Run as ``python -m tests.bench.slow_bench DATASET OUT TRACKING_URI [GRADE_DELAY_S]`` (from the
repository root) by tests/bench/test_interrupt.py, which signals it while the program hangs.
No LM is loaded: the baseline program is replaced by one that answers from a table, and
grading runs in-process (taking GRADE_DELAY_S for the problem before the hanging one).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import dspy
from dspy.utils import DummyLM

from dspy_coder import cli
from dspy_coder.bench import runner
from dspy_coder.pipeline.baseline import SingleShot
from tests.bench.helpers import RIGHT, exec_grader

HANG_ON = "square"
SLOW_GRADE_ON = "negate"  # graded while the program hangs on the next problem
HANG_S = 600.0


def main(dataset: str, out: str, tracking_uri: str, grade_delay_s: str = "0") -> int:
    started = Path(out + ".hanging")

    def forward(self, prompt: str, entry_point: str | None = None, **_: object):
        if entry_point == HANG_ON:
            started.write_text("hanging\n")
            time.sleep(HANG_S)  # like a local model that takes minutes
        return dspy.Prediction(code=RIGHT[entry_point])

    SingleShot.forward = forward
    cli.Settings.make_lm = lambda self, spec=None, **kw: DummyLM([])
    def grader(problem, code):
        if problem.entry_point == SLOW_GRADE_ON:
            time.sleep(float(grade_delay_s))
        return exec_grader(problem, code)

    runner.make_grader = lambda timeout_s: grader
    argv = ["bench", "--dataset", dataset, "--variant", "baseline", "--lm", "dummy/slow"]
    argv += ["--out", out, "--tracking-uri", tracking_uri]
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
