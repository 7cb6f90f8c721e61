"""Answers decoded together against the same answers one at a time, on a real local model.

Runs the same chat calls (greedy and seeded) first one after another with ``parallel=1``, then
from ``--threads`` threads with ``parallel=--threads``, and prints the wall time of each, the
ratio, the generated tokens a second, and whether every answer came out the same. Run it on an
otherwise idle machine: llama.cpp's threads slow down badly beside any other busy process.

    python benchmarks/batched_decoding.py --model qwen2.5-coder-1.5b --threads 3 --max-tokens 200
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

logger = logging.getLogger("batched_decoding")

TASKS = [
    "Write a Python function is_palindrome(s) that ignores case and spaces.",
    "Write a Python function that returns the n-th Fibonacci number iteratively.",
    "Write pytest tests for a function sort_by_length(words) that sorts words by length and "
    "keeps the original order of words of equal length.",
    "Write a Python function that merges two sorted lists into one sorted list.",
    "Write a Python class Stack with push, pop and peek, raising IndexError when empty.",
    "Write a Python function that parses 'key=value; key2=value2' into a dict.",
]


Call = tuple[str, float, int]  # prompt, temperature, seed


def run_calls(lm, calls: list[Call], threads: int) -> tuple[list[str], int, float]:
    """The answers, the completion tokens and the wall seconds of ``calls`` on ``threads``."""

    def one(call: Call) -> tuple[str, int]:
        prompt, temperature, seed = call
        copy = lm.copy(temperature=temperature, seed=seed)
        text = copy(prompt)[0]
        return text, copy.history[-1]["usage"]["completion_tokens"]

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(one, calls))
    seconds = time.perf_counter() - started
    return [text for text, _ in results], sum(tokens for _, tokens in results), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b", help="a built-in model name")
    parser.add_argument("--threads", type=int, default=3, help="answers decoded together")
    parser.add_argument("--max-tokens", type=int, default=200)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    from dspy_coder.lm import make_lm

    calls = [(task, 0.0, 0) for task in TASKS] + [(task, 0.8, 7 + i) for i, task in
                                                  enumerate(TASKS)]
    options = dict(max_tokens=args.max_tokens, cache=False)
    alone = make_lm(f"local:{args.model}", **options)
    together = make_lm(f"local:{args.model}", parallel=args.threads, **options)
    run_calls(alone, calls[:1], 1)  # load the model and warm up before timing
    expected, tokens_alone, seconds_alone = run_calls(alone, calls, 1)
    got, tokens_together, seconds_together = run_calls(together, calls, args.threads)
    same = sum(a == b for a, b in zip(expected, got, strict=True))
    print(f"model {args.model}, {len(calls)} calls ({len(TASKS)} greedy, {len(TASKS)} seeded at "
          f"temperature 0.8), max {args.max_tokens} tokens each")
    print(f"one at a time:     {seconds_alone:7.1f} s, {tokens_alone / seconds_alone:5.1f} "
          f"generated tokens/s")
    print(f"{args.threads} together:        {seconds_together:7.1f} s, "
          f"{tokens_together / seconds_together:5.1f} generated tokens/s")
    print(f"speed-up {seconds_alone / seconds_together:.2f}x; identical answers {same} of "
          f"{len(calls)}")
    return 0 if same == len(calls) else 1


if __name__ == "__main__":
    sys.exit(main())
