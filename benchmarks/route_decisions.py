"""How the pipeline's router decided, and how each route's answers fared by the hidden tests.

Reads a bench results folder (``results.jsonl`` and ``reports.jsonl``) and prints, per way of
deciding (a rule: a short task with examples, a stated complexity; the assessor's answer; the
assessor failing) and route: answers, pass@1, the pipeline's own successes, LM calls and wall
seconds per answer. Reports written before the assessor's decisions were noted count as
"assessor (not noted)".

Usage:
    .venv/bin/python benchmarks/route_decisions.py benchmarks/results/RUN [RUN ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

DECIDERS = (
    ("Routed simple without an LM call", "rule: short task with examples"),
    ("Routed complex without an LM call", "rule: stated complexity"),
    ("Routed simple by the assessor", "assessor"),
    ("Routed complex by the assessor", "assessor"),
    ("The assessor gave no usable route", "assessor failed"),
)


def decider(notes: list[str]) -> str:
    """How the route was chosen, from the run's notes."""
    for note in notes:
        for prefix, name in DECIDERS:
            if note.startswith(prefix):
                return name
    return "assessor (not noted)"


def _lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def rows(run: Path) -> list[dict]:
    """One row per pipeline answer: variant, decider, route, passed, own success, cost."""
    reports = {(r["variant"], r["task_id"], r["sample"]): r["report"]
               for r in _lines(run / "reports.jsonl")}
    found = []
    for result in _lines(run / "results.jsonl"):
        report = reports.get((result["variant"], result["task_id"], result["sample"]))
        if report is None:
            continue  # a baseline, or reports were not kept
        found.append({
            "variant": result["variant"],
            "decider": decider(report.get("notes", [])),
            "route": report.get("route", "?"),
            "passed": bool(result["passed"]),
            "success": result.get("report_status") == "success",
            "calls": result["cost"]["lm_calls"],
            "wall": result["cost"]["wall_time_s"],
        })
    return found


def table(found: list[dict]) -> str:
    groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for row in found:
        groups[(row["variant"], row["decider"], row["route"])].append(row)
    lines = ["| variant | decided by | route | answers | pass@1 | own success (right) "
             "| LM calls | wall s |", "|---|---|---|---|---|---|---|---|"]
    for (variant, how, route), group in sorted(groups.items()):
        n = len(group)
        passed = sum(r["passed"] for r in group)
        success = [r for r in group if r["success"]]
        lines.append(
            f"| {variant} | {how} | {route} | {n} | {passed}/{n} ({100 * passed / n:.0f}%) "
            f"| {len(success)} ({sum(r['passed'] for r in success)}) "
            f"| {sum(r['calls'] for r in group) / n:.1f} "
            f"| {sum(r['wall'] for r in group) / n:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="bench results folders")
    args = parser.parse_args(argv)
    for run in args.runs:
        found = rows(run)
        if not found:
            sys.stderr.write(f"{run}: no pipeline answer with a report\n")
            continue
        sys.stdout.write(f"## {run}\n\n{table(found)}\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
