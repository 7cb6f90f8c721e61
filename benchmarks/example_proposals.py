"""What the ``examples`` gate would have shown a person, and whether the reference agrees.

For each pipeline report of a run without examples (stripped HumanEval, MBPP), the test
writer's stored answer (``generated_tests_raw``, the call the gate makes, with the same
prompt) is read the way the gate reads it (``proposed_examples``), and each proposed
``f(x) == y`` line is run against the dataset's reference solution in the sandbox. A line
the reference contradicts (or raises on) is one a person would have to fix. Crossed with
the pipeline's own verdict and the hidden tests' grade, it says how many wrong successes a
person reading the proposals could have caught, and how much editing the right ones ask for.

This grades stored reports after the run: nothing reaches the pipeline.

Usage:
    .venv/bin/python benchmarks/example_proposals.py benchmarks/results/RUN [RUN ...]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

from dspy_coder.bench.run_problems import pipeline_verdicts, report_on_runs, stored_reports
from dspy_coder.code.generated_tests import parse_generated_tests
from dspy_coder.datasets import Problem
from dspy_coder.sandbox import run as sandbox_run
from dspy_coder.task.confirmed_examples import proposed_examples


class Proposals(NamedTuple):
    """One report's proposals: how many lines, and which ones the reference contradicts."""

    task_id: str
    status: str
    passed: bool
    lines: int
    wrong: tuple[str, ...]


def reference_contradicts(problem: Problem, lines: list[str]) -> list[str]:
    """The lines the reference solution does not satisfy (a failed or raising assert)."""
    reference = problem.reference_code()
    if not lines or reference is None:
        return []
    tests = "".join(f"def test_line_{n}():\n    assert {line}\n\n" for n, line in enumerate(lines))
    result = sandbox_run(reference, tests)
    passed = {o.name for o in result.tests if o.passed}
    return [line for n, line in enumerate(lines) if f"test_line_{n}" not in passed]


def proposals_of(run: Path, problems: dict[str, Problem]) -> list[Proposals]:
    graded = pipeline_verdicts(run)
    found = []
    for task_id, report in stored_reports(run):
        problem = problems.get(task_id)
        if problem is None or task_id not in graded or report["task"].get("examples"):
            continue
        entry_point = report["task"]["entry_point"]
        tests = parse_generated_tests(report.get("generated_tests_raw") or "", entry_point)
        lines = proposed_examples([t.code for t in tests], entry_point)
        found.append(Proposals(task_id, report["status"], graded[task_id], len(lines),
                               tuple(reference_contradicts(problem, lines))))
    return found


def render(run: Path, found: list[Proposals]) -> str:
    asked = [p for p in found if p.lines]
    all_right = [p for p in asked if not p.wrong]
    wrong_successes = [p for p in found if p.status == "success" and not p.passed]
    caught = [p for p in wrong_successes if p.wrong]
    right = [p for p in asked if p.passed]
    lines = [
        f"## {run}", "",
        "| answers | gate asked | lines shown | lines the reference contradicts | "
        "problems with every line right | wrong successes | of them with a wrong line shown |",
        "|---|---|---|---|---|---|---|",
        f"| {len(found)} | {len(asked)} | {sum(p.lines for p in asked)} | "
        f"{sum(len(p.wrong) for p in asked)} | {len(all_right)} | {len(wrong_successes)} | "
        f"{len(caught)} |", "",
        f"- right answers whose proposals were all right: "
        f"{sum(1 for p in right if not p.wrong)} of {len(right)}",
        f"- wrong successes with a wrong line shown: {', '.join(p.task_id for p in caught)}",
        "- wrong successes whose proposals the reference agrees with: "
        + ", ".join(p.task_id for p in wrong_successes if p.lines and not p.wrong),
        "- no proposal (the gate would not ask): "
        + ", ".join(p.task_id for p in found if not p.lines),
    ]
    return "\n".join(lines) + "\n\n"


def main(argv: list[str] | None = None) -> int:
    return report_on_runs(argv, __doc__,
                          lambda run, problems: render(run, proposals_of(run, problems)))


if __name__ == "__main__":
    sys.exit(main())
