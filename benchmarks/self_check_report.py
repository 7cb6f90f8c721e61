"""How far the pipeline's own judgement can be trusted, from a bench results folder.

Two tables per folder (``results.jsonl`` with the hidden verdicts, ``reports.jsonl`` with each
answer's report):

- the verdict: each report status (success, partial, unverified, failed) with how many of
  those answers the hidden tests pass, the precision and recall of ``success``, and, for runs
  that probed their candidates (differential testing), how often the answer returned the
  outputs most independent candidates agreed on, against how often it was right;
- the router: per way of deciding (a rule: a short task with examples, a stated complexity;
  the assessor's answer; the assessor failing) and route, the answers, pass@1, own successes,
  LM calls and wall seconds per answer. Reports written before the assessor's decisions were
  noted count as "assessor (not noted)".

Usage:
    .venv/bin/python benchmarks/self_check_report.py benchmarks/results/RUN [RUN ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

STATUSES = ("success", "partial", "unverified", "failed")


def _lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _meets_stated(attempt: dict, stated: set[str]) -> bool:
    outcomes = {t["name"]: t["passed"] for t in (attempt.get("execution") or {}).get("tests", [])}
    return all(outcomes.get(name, False) for name in stated)


def behaviour_majority(report: dict) -> bool | None:
    """Whether the answer returns the outputs a strict majority of the independent candidates
    that meet the stated requirements return (the pipeline's rule since 8d08f08); None when
    the run did not probe them."""
    stated = {t["name"] for t in report.get("tests", [])
              if t.get("source") in ("requirement", "property")}
    answer = next((a for a in report.get("attempts", [])
                   if a.get("code") == report.get("code") and a.get("outputs")), None)
    independent = [tuple(a["outputs"]) for a in report.get("attempts", [])
                   if a.get("stage") in ("generate", "sample") and a.get("outputs")
                   and _meets_stated(a, stated)]
    if answer is None or not independent:
        return None
    alike = sum(1 for outputs in independent if outputs == tuple(answer["outputs"]))
    return 2 * alike > len(independent)


def calibration(run: Path) -> str:
    reports = {(r["variant"], r["task_id"], r["sample"]): r["report"]
               for r in _lines(run / "reports.jsonl")}
    by_variant: dict[str, list[tuple[str, bool, bool | None]]] = defaultdict(list)
    for result in _lines(run / "results.jsonl"):
        status = result.get("report_status") or ""
        if not status:
            continue  # a baseline: no verdict of its own
        report = reports.get((result["variant"], result["task_id"], result["sample"]), {})
        by_variant[result["variant"]].append(
            (status, bool(result["passed"]), behaviour_majority(report) if report else None))
    out = []
    for variant, rows in sorted(by_variant.items()):
        right = sum(passed for _, passed, _ in rows)
        out.append(f"### {variant}: {len(rows)} answers, {right} right by the hidden tests\n")
        out.append("| status | answers | right |\n|---|---|---|")
        for status in STATUSES:
            group = [passed for s, passed, _ in rows if s == status]
            if group:
                out.append(f"| {status} | {len(group)} | {sum(group)} |")
        claimed = [passed for s, passed, _ in rows if s == "success"]
        precision = f"{100 * sum(claimed) / len(claimed):.1f}%" if claimed else "n/a"
        recall = f"{sum(claimed)} of {right}" if right else "n/a"
        out.append(f"\n`success` precision {precision}, recall {recall}.")
        probed = [(majority, passed) for _, passed, majority in rows if majority is not None]
        if probed:
            agreeing = [passed for majority, passed in probed if majority]
            others = [passed for majority, passed in probed if not majority]
            out.append(
                f"Differential testing on {len(probed)} answers: {len(agreeing)} return the "
                f"outputs most independent candidates return ({sum(agreeing)} right), "
                f"{len(others)} do not ({sum(others)} right)."
            )
        out.append("")
    return "\n".join(out)


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


def route_rows(run: Path) -> list[dict]:
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


def route_table(found: list[dict]) -> str:
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
        verdict, routes = calibration(run), route_rows(run)
        if not verdict:
            sys.stderr.write(f"{run}: no pipeline answer\n")
            continue
        sys.stdout.write(f"## {run}\n\n{verdict}\n")
        if routes:
            sys.stdout.write(f"Routes:\n\n{route_table(routes)}\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
