"""A whole ``solve`` with its draws in flight together against the same run one at a time.

Runs the Coder on tasks without docstring examples (where every sample of a round is drawn)
first with ``parallel=1``, then with ``parallel=--parallel`` (the first draft beside its tests,
the samples of a round together), and prints each run's wall time, the ratio, and whether the
two runs drew the same candidates with the same scores and verdict. Run it on an otherwise idle
machine: llama.cpp's threads slow down badly beside any other busy process.

    python benchmarks/concurrent_draws.py --model qwen2.5-coder-1.5b --parallel 3
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

TASKS = [
    ("def count_vowels(text: str) -> int:\n"
     '    """Return how many characters of text are vowels (a, e, i, o, u), in upper or '
     'lower case."""\n', "count_vowels"),
    ("def run_length_encode(text: str) -> str:\n"
     '    """Encode text by replacing each run of a repeated character with the count '
     'followed by the character."""\n', "run_length_encode"),
]


def solve(model: str, parallel: int, prompt: str, entry_point: str) -> tuple[dict, float]:
    """The report (as JSON data) and the wall seconds of one Coder run."""
    import dspy
    from dspy.clients.cache import Cache

    from dspy_coder.lm import make_lm
    from dspy_coder.pipeline.coder import Coder

    dspy.cache = Cache(enable_disk_cache=False, enable_memory_cache=False, disk_cache_dir=None)
    lm = make_lm(f"local:{model}", seed=0, cache=False, parallel=parallel)
    lm.engine.load()  # loading the weights is not what is timed
    started = time.perf_counter()
    with dspy.context(lm=lm, track_usage=True):
        report = Coder()(prompt=prompt, entry_point=entry_point).report
    return report.model_dump(mode="json"), time.perf_counter() - started


def same_run(a: dict, b: dict) -> bool:
    """Whether two reports drew the same candidates with the same scores and verdict."""
    def drawn(report: dict) -> list:
        return [(x["stage"], x["code"], x["score"]) for x in report["attempts"]]
    return drawn(a) == drawn(b) and a["status"] == b["status"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b", help="a built-in model name")
    parser.add_argument("--parallel", type=int, default=3, help="answers decoded together")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)

    total_alone = total_together = 0.0
    identical = 0
    for prompt, entry_point in TASKS:
        alone, seconds_alone = solve(args.model, 1, prompt, entry_point)
        together, seconds_together = solve(args.model, args.parallel, prompt, entry_point)
        same = same_run(alone, together)
        identical += same
        total_alone += seconds_alone
        total_together += seconds_together
        print(f"{entry_point}: one at a time {seconds_alone:6.1f} s, {args.parallel} together "
              f"{seconds_together:6.1f} s ({seconds_alone / seconds_together:.2f}x), "
              f"{alone['cost']['lm_calls']} LM calls, {len(alone['attempts'])} candidates, "
              f"{alone['status']}, same run: {same}")
    print(f"model {args.model}: {len(TASKS)} tasks, one at a time {total_alone:.1f} s, "
          f"{args.parallel} together {total_together:.1f} s, speed-up "
          f"{total_alone / total_together:.2f}x; same runs {identical} of {len(TASKS)}")
    return 0 if identical == len(TASKS) else 1


if __name__ == "__main__":
    sys.exit(main())
