"""How often a generated test fails only because of the sandbox's process boundary.

The sandbox runs the candidate and the tests in two processes with only data crossing
between them (README, "Where the verdict is decided"), so a test that passes the code a
callback, compares an instance of the code's class with ``==``, or reads module state changed
after import fails there though it would pass in one process. This script measures how often
that happens to the tests the pipeline's test writer actually wrote: it takes every generated
test stored in the given benchmark folders' ``reports.jsonl`` (counted, unconfirmed and
rejected alike), runs each report's tests against the dataset's reference solution once in
the sandbox and once with plain pytest in one process, and compares the outcomes test by test.

A test that passes under plain pytest and fails in the sandbox is a boundary cost: the
pipeline would wrongly count it against a right candidate. The reverse should not happen.
The reference solutions are the ground truth here only in that they are right; the hidden
tests play no part.

Usage:
    python benchmarks/sandbox_boundary.py benchmarks/results/<folder> [...] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from dspy_coder.bench.manifest import git_commit, machine_description, now_utc
from dspy_coder.code.fixtures import OWN_DIRECTORY_FIXTURE
from dspy_coder.datasets import Problem, load_problems
from dspy_coder.sandbox import Limits, run

logger = logging.getLogger("sandbox_boundary")
REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = Path("benchmarks/results/sandbox-boundary")
PLAIN_TIMEOUT_S = 120


def generated_tests(report: dict) -> list[dict]:
    """The report's generated tests with code: those it kept and those it rejected."""
    kept = [t for t in report.get("tests", []) if t.get("source") == "generated"]
    dropped = [{"name": d["name"], "code": d["code"], "source": "generated"}
               for d in report.get("dropped_tests", []) if d.get("code")]
    seen, tests = set(), []
    for test in kept + dropped:
        if test["name"] not in seen:
            seen.add(test["name"])
            tests.append(test)
    return tests


def dataset_of(task_id: str) -> str:
    if task_id.startswith("ClassEval"):
        return "classeval"
    return "mbpp" if task_id.lower().startswith("mbpp") else "humaneval"


def sandbox_outcomes(code: str, tests: list[dict]) -> dict[str, tuple[bool, str]]:
    result = run(code, tests="\n\n\n".join(t["code"] for t in tests),
                 limits=Limits(timeout_s=30, memory_mb=1536))
    if not result.tests:
        return {t["name"]: (False, f"{result.status}: {result.error[:200]}") for t in tests}
    return {t.name: (t.passed, t.message) for t in result.tests}


def plain_outcomes(code: str, tests: list[dict]) -> dict[str, tuple[bool, str]]:
    """The tests under plain pytest in one process, next to ``solution.py``, each in an empty
    directory (as ``test_solution.py`` runs them)."""
    with tempfile.TemporaryDirectory(prefix="boundary-") as folder:
        where = Path(folder)
        (where / "solution.py").write_text(code)
        module = ["import pytest", "from solution import *  # noqa: F403", "",
                  OWN_DIRECTORY_FIXTURE, *[t["code"] for t in tests]]
        (where / "test_generated.py").write_text("\n\n".join(module))
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "--junitxml", str(where / "out.xml"), "test_generated.py"],
                           cwd=where, capture_output=True, text=True, env=env,
                           timeout=PLAIN_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            return {t["name"]: (False, "timeout") for t in tests}
        if not (where / "out.xml").exists():
            return {t["name"]: (False, "pytest wrote no report") for t in tests}
        outcomes = {}
        for case in ET.parse(where / "out.xml").iter("testcase"):
            problem = next(iter(case), None)
            failed = problem is not None and problem.tag in ("failure", "error")
            outcomes[case.get("name", "")] = (not failed, (problem.get("message", "")
                                                          if failed else ""))
        return outcomes


def compare_folder(folder: Path, problems: dict[str, Problem]) -> list[dict]:
    rows = []
    for line in (folder / "reports.jsonl").read_text().splitlines():
        record = json.loads(line)
        report = record.get("report", record)
        task_id = record.get("task_id") or report["task"].get("task_id")
        tests = generated_tests(report)
        problem = problems.get(task_id)
        code = problem.reference_code() if problem else None
        if not tests or not code:
            continue
        boxed, plain = sandbox_outcomes(code, tests), plain_outcomes(code, tests)
        for test in tests:
            name = test["name"]
            in_box, box_message = boxed.get(name, (False, "not reported"))
            in_plain, plain_message = plain.get(name, (False, "not collected"))
            rows.append({"folder": folder.name, "task_id": task_id, "test": name,
                         "sandbox": in_box, "plain": in_plain,
                         "sandbox_message": box_message[:300] if not in_box else "",
                         "plain_message": plain_message[:300] if not in_plain else ""})
    return rows


def summary_lines(rows: list[dict]) -> list[str]:
    counts = Counter((r["sandbox"], r["plain"]) for r in rows)
    total = len(rows)
    lines = [
        f"{total} generated tests run against the reference solutions",
        f"  both pass: {counts[(True, True)]}",
        f"  both fail: {counts[(False, False)]} (the test itself is wrong)",
        f"  fail only in the sandbox (boundary cost): {counts[(False, True)]}",
        f"  fail only under plain pytest: {counts[(True, False)]}",
    ]
    for row in rows:
        if row["sandbox"] != row["plain"]:
            where = "sandbox" if not row["sandbox"] else "plain"
            message = (row["sandbox_message"] or row["plain_message"]).splitlines()
            lines.append(f"  {row['task_id']} {row['test']} fails in {where}: "
                         f"{message[-1] if message else ''}"[:240])
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path, help="benchmark result folders")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    rows: list[dict] = []
    for folder in args.folders:
        ids = {json.loads(line).get("task_id", "") for line in
               (folder / "reports.jsonl").read_text().splitlines()}
        names = {dataset_of(task_id) for task_id in ids if task_id}
        problems = {p.task_id: p for name in names for p in load_problems(name)}
        folder_rows = compare_folder(folder, problems)
        logger.info("%s: %d tests", folder.name, len(folder_rows))
        rows += folder_rows
    lines = summary_lines(rows)
    out = args.out if args.out.is_absolute() else REPO / args.out
    out.mkdir(parents=True, exist_ok=True)
    header = [f"date {now_utc()}", f"machine {machine_description()}",
              f"commit {git_commit()}",
              "command python benchmarks/sandbox_boundary.py "
              + " ".join(shlex.quote(str(f)) for f in args.folders), ""]
    (out / "summary.txt").write_text("\n".join(header + lines) + "\n")
    (out / "rows.json").write_text(json.dumps(rows, indent=1) + "\n")
    logger.info("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
