"""The dataset problems, verdicts and reports behind a bench results folder, and the command
line, for the scripts that grade stored reports after a run (``benchmarks/candidate_headroom.py``,
``example_proposals.py``, ``question_value.py``)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dspy_coder.datasets import Problem, load_problems


def dataset_of(task_id: str) -> str:
    """The problem set a task id belongs to (stripped HumanEval grades as HumanEval)."""
    if task_id.startswith("ClassEval"):
        return "classeval"
    return "mbpp" if task_id.lower().startswith("mbpp") else "humaneval"


def runs_with_problems(runs: list[Path]) -> Iterator[tuple[Path, dict[str, Problem]]]:
    """Each folder that holds pipeline reports, with its dataset's problems by task id (each
    dataset loaded once); a folder without ``reports.jsonl`` is named on stderr and skipped."""
    loaded: dict[str, dict[str, Problem]] = {}
    for run in runs:
        reports = run / "reports.jsonl"
        if not reports.exists():
            sys.stderr.write(f"{run}: no reports.jsonl (not a pipeline run?)\n")
            continue
        name = dataset_of(json.loads(reports.read_text().splitlines()[0])["task_id"])
        if name not in loaded:
            loaded[name] = {p.task_id: p for p in load_problems(name)}
        yield run, loaded[name]


def pipeline_verdicts(run: Path) -> dict[str, bool]:
    """Whether each pipeline answer passed the hidden tests (the baseline's rows, which a
    paired run holds too, are left out)."""
    verdicts = {}
    for line in (run / "results.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row.get("variant") != "baseline":
            verdicts[row["task_id"]] = bool(row.get("passed"))
    return verdicts


def stored_reports(run: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(task id, report)`` for each pipeline answer the folder keeps a report of."""
    for line in (run / "reports.jsonl").read_text().splitlines():
        row = json.loads(line)
        yield row["task_id"], row["report"]


def report_on_runs(argv: list[str] | None, doc: str,
                   report: Callable[[Path, dict[str, Problem]], str]) -> int:
    """The command line of such a script: its folders as arguments, ``report(run,
    problems)`` printed for each (``doc``'s first line is its description)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="bench results folders")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    for run, problems in runs_with_problems(args.runs):
        sys.stdout.write(report(run, problems))
    return 0
