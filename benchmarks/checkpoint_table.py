"""The checkpoint experiment's table (issue #17): for each program in the given benchmark
run directories, pass@1 by the hidden tests, the share of problems solved with no
checkpoint, senior calls, tokens and seconds per problem, all LM calls and tokens per
problem and wall time.

Reads each run's ``results.jsonl`` (verdicts, cost) and ``reports.jsonl`` (checkpoints,
cost per tier). Prints a Markdown table; paired gains and losses, with McNemar's exact p,
against the first row or the one ``--against`` names.

Usage:
    python benchmarks/checkpoint_table.py RUN_DIR [RUN_DIR ...] [--against VARIANT@LM]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dspy_coder.bench.paired import format_p_value, mcnemar_exact


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
        "senior_seconds": sum(s.get("wall_time_s") or 0 for s in senior) / n,
        "tokens": sum(r["cost"]["prompt_tokens"] + r["cost"]["completion_tokens"]
                      for r in rows.values()) / n,
        "calls": sum(r["cost"]["lm_calls"] for r in rows.values()) / n,
        "seconds": sum(r["cost"]["wall_time_s"] for r in rows.values()) / n,
        "checkpointed": sum(1 for r in rows.values() if r["report"].get("checkpoints")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--against", metavar="VARIANT@LM",
                        help="the row the others are paired with (default: the first)")
    args = parser.parse_args(argv)
    programs: dict[tuple[str, str], dict] = {}
    for run in args.runs:
        programs.update(_rows(run))
    reference = tuple(args.against.split("@", 1)) if args.against else next(iter(programs))
    if reference not in programs:
        parser.error(f"--against {args.against}: no such program; the runs hold "
                     + ", ".join("@".join(key) for key in programs))
    first = _summary(programs[reference])
    lines = ["| program | LM | pass@1 | solved with no checkpoint | problems checkpointed | "
             "senior calls / problem | senior tokens / problem | senior s / problem | "
             "LM calls / problem | all tokens / problem | wall s / problem | "
             "against the reference |", "|" + "---|" * 12]
    for (variant, lm), rows in sorted(programs.items(), key=lambda kv: kv[0] != reference):
        s = _summary(rows)
        paired = "reference"
        if (variant, lm) != reference:
            common = set(rows) & set(programs[reference])
            gained = sorted((s["passed"] - first["passed"]) & common)
            lost = sorted((first["passed"] - s["passed"]) & common)
            paired = (f"+{len(gained)} {', '.join(gained)} / -{len(lost)} {', '.join(lost)} "
                      f"({format_p_value(mcnemar_exact(len(gained), len(lost)))})")
        lines.append(
            f"| {variant} | {lm} | {len(s['passed'])}/{s['n']} | {len(s['no_checkpoint'])} | "
            f"{s['checkpointed']} | {s['senior_calls']:.1f} | {s['senior_tokens']:,.0f} | "
            f"{s['senior_seconds']:.0f} | {s['calls']:.1f} | {s['tokens']:,.0f} | "
            f"{s['seconds']:.0f} | {paired} |")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
