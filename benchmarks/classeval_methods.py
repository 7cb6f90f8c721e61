"""ClassEval answers method by method: what the docstring examples checked, against the hidden
tests.

For every answer in a ClassEval results folder, each method of the task is put in one of
these rows: a method an example calls (whose examples the returned answer passes, or not),
or a method no example calls; and each row says how many of those methods' hidden test
classes pass. "examples pass, hidden fail" is where the pipeline's own check was too weak,
"examples fail" where its repairs could not fix a method they knew was wrong, and "no
example" what nothing but generated tests looked at. The hidden tests are run here, on the
stored answers, to grade them only; nothing goes back to the pipeline.

Usage:
    .venv/bin/python benchmarks/classeval_methods.py benchmarks/results/RUN [RUN ...]
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections import Counter
from pathlib import Path

from dspy_coder.bench.class_grading import run_test_classes
from dspy_coder.classeval import classeval_path
from dspy_coder.datasets import Problem, load_problems
from dspy_coder.task.build import build_task

logger = logging.getLogger("classeval_methods")

ROWS = ("examples pass", "examples fail", "no example")
CALLED = re.compile(r"\.(\w+)\(")


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _example_outcomes(report: dict) -> dict[int, bool]:
    """Example number -> passed, for the attempt whose code the report returned."""
    returned = [a for a in report.get("attempts", []) if a.get("code") == report.get("code")]
    tests = ((returned[-1].get("execution") or {}).get("tests") or []) if returned else []
    prefix = "test_docstring_example_"
    return {int(t["name"][len(prefix):]): bool(t["passed"]) for t in tests
            if t["name"].startswith(prefix) and t["name"][len(prefix):].isdigit()}


def method_rows(problem: Problem, methods: list[dict], code: str,
                report: dict) -> list[tuple[str, str, bool]]:
    """(method, row, hidden test class passed) for each method of the task that has one."""
    examples = build_task(problem.prompt, problem.entry_point).examples
    outcomes = _example_outcomes(report)
    _, classes = run_test_classes(problem, code)
    rows = []
    for method in methods:
        name, test_class = method["method_name"], method.get("test_class")
        if not test_class or test_class not in (problem.test_classes or []):
            continue
        numbers = [n for n, e in enumerate(examples, start=1) if name in CALLED.findall(e.call)]
        if not numbers:
            row = "no example"
        else:
            row = ROWS[0] if all(outcomes.get(n, False) for n in numbers) else ROWS[1]
        hidden = test_class in classes and classes[test_class].passed
        rows.append((name, row, hidden))
    return rows


def summarise(run: Path, problems: dict[str, Problem], methods: dict[str, list[dict]]) -> str:
    if not (run / "reports.jsonl").is_file():
        raise SystemExit(f"{run} has no reports.jsonl: only pipeline runs record which "
                         "examples their answers passed")
    results = {r["task_id"]: r for r in _lines(run / "results.jsonl")}
    reports = {r["task_id"]: r["report"] for r in _lines(run / "reports.jsonl")}
    counts: Counter = Counter()
    details = []
    for task_id, result in sorted(results.items(), key=lambda kv: int(kv[0].split("_")[-1])):
        logger.info("%s", task_id)
        rows = method_rows(problems[task_id], methods[task_id], result.get("code") or "",
                           reports.get(task_id, {}))
        for name, row, hidden in rows:
            counts[(row, hidden)] += 1
            if row == ROWS[0] and not hidden:
                details.append(f"{task_id}.{name}")
    lines = [f"## {run.name}", "", "| methods | count | hidden tests pass |", "|---|---|---|"]
    for row in ROWS:
        total = counts[(row, True)] + counts[(row, False)]
        share = f"{counts[(row, True)]} ({counts[(row, True)] / total:.0%})" if total else "-"
        lines.append(f"| {row} | {total} | {share} |")
    lines += ["", "Examples pass, hidden tests fail: " + (", ".join(details) or "none"), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="ClassEval bench results folders")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    problems = {p.task_id: p for p in load_problems("classeval")}
    raw = json.loads(classeval_path().read_text())
    methods = {str(r["task_id"]): list(r["methods_info"]) for r in raw}
    for run in args.runs:
        sys.stdout.write(summarise(run, problems, methods) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
