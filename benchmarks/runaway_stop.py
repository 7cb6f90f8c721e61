"""The test writer with the local engine's runaway stop off and on, on the same prompts.

For each MBPP problem (given as its task sentence and signature, no example), the greedy
test writer runs twice: ``stop_runaways=False``, then ``True``. It prints, per problem, the
answer tokens and seconds of each, the tests read from each, and whether the guarded answer is
the start of the unguarded one (it should be: the guard only ends an answer early). Seconds
include waiting for the machine-wide model lock when another model job runs.

Usage (from the repository root; writes a JSON file with both answers):
    python benchmarks/runaway_stop.py Mbpp/594 Mbpp/16 Mbpp/2 --out runaway_stop.json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

logger = logging.getLogger("runaway_stop")

TEST_WRITER_TOKENS = 700  # the pipeline's default budget for the test writer


def is_start_of(guarded: str, unguarded: str) -> bool:
    """``guarded`` is ``unguarded`` or its beginning, up to the line the guard stopped after."""
    return unguarded.startswith(guarded.rstrip())


def summary_row(task_id: str, off: dict[str, Any], on: dict[str, Any]) -> str:
    """One printed line: tokens, seconds and tests read, off -> on."""
    same = "same answer" if off["raw"] == on["raw"] else (
        "guarded answer is its start" if is_start_of(on["raw"], off["raw"]) else "DIFFERENT")
    return (f"{task_id}: {off['completion_tokens']} -> {on['completion_tokens']} tokens, "
            f"{off['seconds']} -> {on['seconds']} s, {off['tests']} -> {on['tests']} tests; "
            f"{same}")


def write_tests_once(task_id: str, stop_runaways: bool, lm_spec: str) -> dict[str, Any]:
    """The greedy test writer's answer to one stripped MBPP problem."""
    import dspy

    from dspy_coder.datasets import load_problems
    from dspy_coder.lm import make_lm
    from dspy_coder.pipeline.write_tests import GenerateTests
    from dspy_coder.task.build import task_text

    task = next(p for p in load_problems("mbpp") if p.task_id == task_id).to_task()
    lm = make_lm(lm_spec, temperature=0, cache=False, stop_runaways=stop_runaways)
    started = time.perf_counter()
    with dspy.context(lm=lm):
        result = GenerateTests(max_tokens=TEST_WRITER_TOKENS)(
            task=task_text(task, audience="tests"), plan="", entry_point=task.entry_point)
    usage = lm.history[-1].get("usage") or {}
    return {"raw": result.raw, "tests": len(result.tests),
            "completion_tokens": usage.get("completion_tokens"),
            "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("task_ids", nargs="+", help="MBPP task ids, e.g. Mbpp/594")
    parser.add_argument("--lm", default="local:qwen2.5-coder-1.5b")
    parser.add_argument("--out", type=Path, default=Path("runaway_stop.json"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = []
    for task_id in args.task_ids:
        off = write_tests_once(task_id, False, args.lm)
        on = write_tests_once(task_id, True, args.lm)
        rows.append({"task_id": task_id, "off": off, "on": on})
        logger.info(summary_row(task_id, off, on))
    args.out.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
