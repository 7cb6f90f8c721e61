"""Accuracy of the empirical complexity estimator on the labelled reference set.

Runs every function of ``dspy_coder.sandbox.complexity_reference.REFERENCE`` through
``dspy_coder.sandbox.profile`` (isolated child processes, one at a time) and prints, per
function, the known class, the estimate, the fit quality and the size range, then the accuracy.

Usage:
    .venv/bin/python benchmarks/complexity_accuracy.py [--budget 4] [--only NAME ...]
        [--output benchmarks/results/complexity_accuracy.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from dspy_coder.sandbox.complexity_reference import REFERENCE
from dspy_coder.sandbox.profiling import profile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=4.0, help="seconds per function")
    parser.add_argument("--only", nargs="*", default=None, help="reference names to run")
    parser.add_argument("--output", default="benchmarks/results/complexity_accuracy.json")
    args = parser.parse_args(argv)

    chosen = [r for r in REFERENCE if not args.only or r.name in args.only]
    rows = []
    start = time.perf_counter()
    print(f"{'function':<24} {'known':<11} {'estimate':<11} {'fit':>6} {'n range':>16} {'secs':>6}")
    for ref in chosen:
        t0 = time.perf_counter()
        result = profile(ref.code, ref.entry_point, ref.make_input, budget_s=args.budget)
        secs = time.perf_counter() - t0
        label = result.complexity.label if result.complexity else f"({result.status})"
        fit = result.complexity.fit_quality if result.complexity else 0.0
        sizes = [p.n for p in result.points]
        span = f"{min(sizes)}..{max(sizes)}" if sizes else "-"
        mark = "ok" if label == ref.label else "WRONG"
        print(f"{ref.name:<24} {ref.label:<11} {label:<11} {fit:>6.3f} {span:>16} "
              f"{secs:>6.1f} {mark}")
        if result.error:
            print(f"    note: {result.error.splitlines()[-1][:100]}")
        rows.append({
            "name": ref.name, "known": ref.label, "estimate": label, "fit_quality": fit,
            "correct": label == ref.label, "sizes": sizes,
            "times_s": [p.time_s for p in result.points],
            "raw_times_s": [p.raw_time_s for p in result.points],
            "overhead_s": result.call_overhead_s, "seconds": round(secs, 2),
            "status": result.status, "space_complexity": result.space_complexity,
        })
    correct = sum(r["correct"] for r in rows)
    total_s = time.perf_counter() - start
    accuracy = correct / len(rows) if rows else 0.0
    print(f"\naccuracy: {correct}/{len(rows)} = {accuracy:.1%}  (total {total_s:.0f} s, "
          f"budget {args.budget:g} s per function)")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"accuracy": accuracy, "correct": correct, "total": len(rows),
                               "budget_s": args.budget, "seconds": round(total_s, 1),
                               "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
