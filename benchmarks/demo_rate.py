"""How often the demo shows the loop at work: the model's first answer fails the task's
tests and the loop fixes it.

Runs a task (default: the ``solve --demo`` task) once per seed with the pipeline's defaults
and prints, per run, whether the first answer passed its tests, the final status, the
attempts and the wall time; then the share of runs where the first answer failed and the
run still ended ``success``. Writes the same as JSON, with the date, machine, commit and
command, to ``--out``. Resumable: seeds already in ``--out`` are skipped.

Usage:
    python benchmarks/demo_rate.py [--runs 5] [--lm local:qwen2.5-coder-1.5b] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import sys
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import dspy  # noqa: E402

from dspy_coder import Coder, make_lm  # noqa: E402
from dspy_coder.bench.manifest import git_commit, machine_description, now_utc  # noqa: E402
from dspy_coder.commands.solve import DEMO_ENTRY_POINT, DEMO_TASK  # noqa: E402

logger = logging.getLogger("demo_rate")
DEFAULT_OUT = Path("benchmarks/results/demo-rate/demo_rate.json")


def run_once(lm_spec: str, seed: int) -> dict:
    lm = make_lm(lm_spec, seed=seed, temperature=0.0, cache=False)  # real calls, real costs
    started = time.perf_counter()
    with dspy.context(lm=lm, track_usage=True):
        report = Coder()(prompt=DEMO_TASK, entry_point=DEMO_ENTRY_POINT, task_id="demo").report
    first = report.attempts[0] if report.attempts else None
    first_passed = bool(first and first.execution and first.execution.tests_total
                        and first.execution.tests_passed == first.execution.tests_total)
    return {"seed": seed, "first_passed": first_passed, "status": report.status,
            "attempts": [a.stage for a in report.attempts], "lm_calls": report.cost.lm_calls,
            "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lm", default="local:qwen2.5-coder-1.5b")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logger.setLevel(logging.INFO)
    commit = git_commit()  # the code these runs use, whatever HEAD is when they end
    done = json.loads(args.out.read_text()) if args.out.is_file() else {"runs": []}
    runs = [r for r in done["runs"] if r["seed"] < args.runs]
    for seed in range(args.runs):
        if any(r["seed"] == seed for r in runs):
            continue
        runs.append(run_once(args.lm, seed))
        logger.info("seed %(seed)d: first answer %(first)s, %(status)s after %(stages)s, "
                    "%(calls)d calls, %(seconds).0f s",
                    {**runs[-1], "first": "passed" if runs[-1]["first_passed"] else "failed",
                     "stages": "/".join(runs[-1]["attempts"]), "calls": runs[-1]["lm_calls"]})
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"runs": runs}, indent=2) + "\n")
    shown = sum(1 for r in runs if not r["first_passed"] and r["status"] == "success")
    summary = {
        "date": now_utc(), "machine": machine_description(), "commit": commit,
        "lm": args.lm, "command": "python benchmarks/demo_rate.py " + shlex.join(
            sys.argv[1:] if argv is None else argv),
        "runs": sorted(runs, key=lambda r: r["seed"]),
        "first_failed": sum(1 for r in runs if not r["first_passed"]),
        "first_failed_then_fixed": shown, "total": len(runs),
    }
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    logger.info("The first answer failed in %d of %d runs; the loop fixed it in %d of them.",
                summary["first_failed"], len(runs), shown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
