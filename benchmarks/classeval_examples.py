"""Every ground-truth example dspy-coder takes from ClassEval's docstrings, run against the
task's reference solution: how many there are, how many methods they call, and how many the
reference itself fails (the docstring's slip, not the pipeline's).

The examples are the ones ``build_task`` gives the pipeline, rendered by ``doc_example_tests``
and run in the sandbox, as the scorer runs them. Prints each failing example with what the
reference returned, then the totals twice: with the sessions run on a fresh instance they
never make (``class_examples``), and without them. Writes the same as text and JSON, with the
date, machine, commit and command, to ``--out``. No LM is called; the hidden tests are not
read. Three references draw at random (ClassEval_12, 54, 58), so how many examples they pass
can differ by a few between runs.

Usage:
    python benchmarks/classeval_examples.py [--datasets-dir DIR] [--ids 0,2] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dspy_coder.bench.manifest import git_commit, machine_description, now_utc
from dspy_coder.bench.portable_paths import portable_command
from dspy_coder.datasets import Problem, load_problems, select_problems
from dspy_coder.judge.method_coverage import called_attributes, declared_methods
from dspy_coder.sandbox import run as sandbox_run
from dspy_coder.sandbox.limits import Limits
from dspy_coder.task.class_examples import class_doc_examples
from dspy_coder.task.doc_examples import doc_example_tests

logger = logging.getLogger("classeval_examples")
REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = Path("benchmarks/results/classeval-examples")
RULES = {"with fresh instances": True, "without them": False}
COMMAND = ["python", "benchmarks/classeval_examples.py"]


@dataclass
class Totals:
    """One rule's counts over the tasks."""

    classes_with_examples: int = 0
    checked: int = 0          # examples with a shown value
    checked_right: int = 0    # ... that the reference passes
    run_only: int = 0         # calls shown without a value (they only have to run)
    run_only_right: int = 0
    methods: int = 0          # methods besides __init__
    methods_called: int = 0   # ... called by an example with a shown value
    classes_all_called: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)


def check(problem: Problem, fresh_instances: bool, totals: Totals) -> None:
    """Add ``problem``'s examples under one rule to ``totals``."""
    examples = class_doc_examples(problem.prompt, problem.entry_point, fresh_instances)
    methods = set(declared_methods(problem.prompt, problem.entry_point))
    called = methods & set().union(*(called_attributes(f"{e.setup}\n{e.call}")
                                      for e in examples if e.expected))
    totals.methods += len(methods)
    totals.methods_called += len(called)
    totals.classes_all_called += bool(methods) and called == methods
    if not examples:
        return
    totals.classes_with_examples += 1
    tests = doc_example_tests(examples)
    result = sandbox_run(problem.reference_code() or "", tests="\n\n\n".join(t.code for t in tests),
                         limits=Limits(timeout_s=30))
    outcome = {t.name: t for t in result.tests}
    for example, test in zip(examples, tests, strict=True):
        ran = outcome.get(test.name)
        right = ran is not None and ran.passed
        if example.expected:
            totals.checked += 1
            totals.checked_right += right
        else:
            totals.run_only += 1
            totals.run_only_right += right
        if not right:
            totals.failures.append({
                "task_id": problem.task_id, "setup": example.setup, "call": example.call,
                "expected": example.expected,
                "reference": _last_line(ran.message if ran else result.error or result.status)})


def _last_line(text: str) -> str:
    """The line of a failure that says what happened (pytest ends with it)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def report(header: dict[str, str], totals: dict[str, Totals]) -> str:
    lines = ["# ClassEval's docstring examples run against the reference solutions", ""]
    lines += [f"- {key}: {value}" for key, value in header.items()]
    for rule, t in totals.items():
        lines += ["", f"## {rule}", "",
                  f"classes with examples: {t.classes_with_examples}",
                  f"examples with a value: {t.checked}, the reference passes {t.checked_right} "
                  f"({100 * t.checked_right / max(t.checked, 1):.1f}%)",
                  f"calls that only have to run: {t.run_only}, the reference runs "
                  f"{t.run_only_right}",
                  f"methods called by an example with a value: {t.methods_called} of "
                  f"{t.methods}; classes with every method called: {t.classes_all_called}"]
    first = next(iter(totals.values()))
    lines += ["", "Examples the reference fails (with fresh instances):"]
    for f in first.failures:
        setup = f"{f['setup'].replace(chr(10), '; ')}; " if f["setup"] else ""
        lines.append(f"- {f['task_id']}: {_short(setup + f['call'], 120)} -> "
                     f"{_short(f['expected']) or '(runs)'}: {f['reference']}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets-dir", type=Path, default=os.environ.get("DSPY_CODER_DATASETS"),
                        help="folder holding classeval/ (default: ../shared/datasets)")
    parser.add_argument("--ids", default="", help="task numbers or ids, comma-separated")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write results")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ids = [item.strip() for item in args.ids.split(",") if item.strip()] or None
    problems = select_problems(load_problems("classeval", args.datasets_dir), ids=ids)
    totals = {rule: Totals() for rule in RULES}
    for problem in problems:
        for rule, fresh in RULES.items():
            check(problem, fresh, totals[rule])
    header = {"Date (UTC)": now_utc(), "Machine": machine_description(),
              "Commit": git_commit(REPO),
              "Command": f"`{portable_command(shlex.join([*COMMAND, *argv]), REPO)}`",
              "Tasks": str(len(problems))}
    text = report(header, totals)
    sys.stdout.write(text)
    out = args.out if args.out.is_absolute() else REPO / args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / "examples.txt").write_text(text, encoding="utf-8")
    payload = {**{k.split(" ")[0].lower(): v.strip("`") for k, v in header.items()},
               "rules": {rule: asdict(t) for rule, t in totals.items()}}
    (out / "examples.json").write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
