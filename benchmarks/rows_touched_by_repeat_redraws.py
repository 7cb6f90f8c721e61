"""Which committed pipeline answers would have run differently after 511dd1d/89ef614.

From 511dd1d on, a candidate that repeats a program already tried is drawn again (refinements
always, from the rewrite step since 89ef614; samples when docstring examples vet the tests).
Runs are deterministic (greedy first draft, seeded samples; but until e8a657d a refinement's
prompt carried the measured time and memory, so a refinement could differ between runs), so
an answer whose report shows no such repeat went as it would now; only the listed ones must be
run again. The
results directories' READMEs cite this script for the rows they re-ran.

Example:
    .venv/bin/python benchmarks/rows_touched_by_repeat_redraws.py \\
        benchmarks/results/stride8-qwen2.5-coder-1.5b/reports.jsonl
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from dspy_coder.code.identity import program_identity

logger = logging.getLogger("rows_touched_by_repeat_redraws")


def first_redrawn_stage(report: dict) -> str | None:
    """The stage of the first attempt the current pipeline would have drawn again, if any."""
    has_examples = bool(report["task"].get("examples"))
    seen: set[str] = set()
    for attempt in report["attempts"]:
        identity = program_identity(attempt["code"])
        redrawn_now = attempt["stage"] in ("refine", "rewrite") or (
            attempt["stage"] == "sample" and has_examples
        )
        if identity in seen and redrawn_now:
            return attempt["stage"]
        seen.add(identity)
    return None


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", type=Path, help="a results directory's reports.jsonl")
    args = parser.parse_args()
    for line in args.reports.read_text().splitlines():
        row = json.loads(line)
        if not row["variant"].startswith("coder"):
            continue
        stage = first_redrawn_stage(row["report"])
        if stage:
            logger.info("%s %s: a %s repeated a tried program", row["task_id"], row["variant"],
                        stage)


if __name__ == "__main__":
    main()
