"""The checkpoint experiment's table (issue #17): for each program in the given benchmark
run directories, pass@1 by the hidden tests, the share of problems solved with no
checkpoint, senior calls and tokens per problem, LM calls per problem and wall time.

Reads each run's ``results.jsonl`` (verdicts, cost) and ``reports.jsonl`` (checkpoints,
cost per tier). Prints a Markdown table; paired gains and losses against the first row.

Usage:
    python benchmarks/checkpoint_table.py RUN_DIR [RUN_DIR ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _rows(run: Path) -> dict[tuple[str, str], dict]:
    """(variant, lm) -> {task_id: merged result and report}."""
    reports = {}
    if (run / "reports.jsonl").is_file():
        for line in (run / "reports.jsonl").read_text().splitlines():
            item = json.loads(line)
            key = (item["variant"], item["program_fingerprint"], item["task_id"])
            reports[key] = item["report"]
    programs: dict[tuple[str, str], dict] = {}
    for line in (run / "results.jsonl").read_text().splitlines():
        result = json.loads(line)
        key = (result["variant"], result["lm"])
        report = reports.get((result["variant"], result["program_fingerprint"],
                              result["task_id"]), {})
        programs.setdefault(key, {})[result["task_id"]] = {**result, "report": report}
    return programs


def _summary(rows: dict) -> dict:
    n = len(rows)
    passed = {t for t, r in rows.items() if r["passed"]}
    no_checkpoint = {t for t in passed if not rows[t]["report"].get("checkpoints")}
    senior = [r["report"].get("tiers", {}).get("senior", {}) for r in rows.values()]
    return {
        "n": n, "passed": passed, "no_checkpoint": no_checkpoint,
        "senior_calls": sum(s.get("calls", 0) for s in senior) / n,
        "senior_tokens": sum(s.get("prompt_tokens", 0) + s.get("completion_tokens", 0)
                             for s in senior) / n,
        "calls": sum(r["cost"]["lm_calls"] for r in rows.values()) / n,
        "seconds": sum(r["cost"]["wall_time_s"] for r in rows.values()) / n,
        "checkpointed": sum(1 for r in rows.values() if r["report"].get("checkpoints")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    args = parser.parse_args(argv)
    programs = {}
    for run in args.runs:
        programs.update(_rows(run))
    lines = ["| program | LM | pass@1 | solved with no checkpoint | problems checkpointed | "
             "senior calls / problem | senior tokens / problem | LM calls / problem | "
             "wall s / problem | vs first row |", "|" + "---|" * 10]
    first = None
    for (variant, lm), rows in programs.items():
        s = _summary(rows)
        paired = ""
        if first is None:
            first = s
        else:
            common = set(rows) & set(programs[next(iter(programs))])
            gained = sorted((s["passed"] - first["passed"]) & common)
            lost = sorted((first["passed"] - s["passed"]) & common)
            paired = f"+{len(gained)} {', '.join(gained)} / -{len(lost)} {', '.join(lost)}"
        lines.append(
            f"| {variant} | {lm} | {len(s['passed'])}/{s['n']} | {len(s['no_checkpoint'])} | "
            f"{s['checkpointed']} | {s['senior_calls']:.1f} | {s['senior_tokens']:.0f} | "
            f"{s['calls']:.1f} | {s['seconds']:.0f} | {paired} |")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
