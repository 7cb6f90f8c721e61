"""How far the pipeline's own verdict can be trusted: its status against the hidden tests.

Reads a bench results folder (``results.jsonl``, and ``reports.jsonl`` for the notes) and
prints, per pipeline variant, each report status (success, partial, unverified, failed) with
how many of those answers the hidden tests pass, the precision and recall of ``success``, and,
for runs that probed their candidates (differential testing), how often the answer returned
the outputs most independent candidates agreed on, against how often it was right.

Usage:
    .venv/bin/python benchmarks/verdict_calibration.py benchmarks/results/RUN [RUN ...]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

STATUSES = ("success", "partial", "unverified", "failed")
_GROUPS = re.compile(r"^Differential testing: .* in groups of (?P<sizes>[\d, ]+)\.$")


def _lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def behaviour_majority(report: dict) -> bool | None:
    """Whether the answer returns the outputs a strict majority of the independent candidates
    return; None when the run did not probe them."""
    answer = next((a for a in report.get("attempts", [])
                   if a.get("code") == report.get("code") and a.get("outputs")), None)
    independent = [tuple(a["outputs"]) for a in report.get("attempts", [])
                   if a.get("stage") in ("generate", "sample") and a.get("outputs")]
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="bench results folders")
    args = parser.parse_args(argv)
    for run in args.runs:
        text = calibration(run)
        if not text:
            sys.stderr.write(f"{run}: no pipeline answer\n")
            continue
        sys.stdout.write(f"## {run}\n\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
