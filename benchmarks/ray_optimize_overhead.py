"""Per-program-run overhead of `optimize --ray` against one process, on the same compile.

Compiles the single-shot baseline on HumanEval's train/dev split (``--optimizer``, the
``light`` budget) against a local stub of an OpenAI-compatible server that answers each prompt
with the reference solution after ``--lm-delay`` seconds (a stand-in for model time), plus the
fields MIPROv2's proposer asks for. Every candidate's code is scored by the real sandbox. The
same compile goes through: one process with ``--threads 1`` and with ``--threads 2``, and a
local Ray cluster of ``--cpus`` CPUs with ``--threads 2``, twice (the first run pays each
worker's imports). Prints wall time, program runs, the time per run, and Ray's over the
2-thread compile (the same parallelism) as a ratio. The compiled programs and scores are
checked to be equal.

    python benchmarks/ray_optimize_overhead.py --optimizer mipro --lm-delay 0.5 --cpus 2
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dspy_coder import _env  # noqa: E402,F401
from dspy_coder.bench.ray_cluster import RayTarget, init_ray  # noqa: E402
from dspy_coder.datasets import DEFAULT_SPLIT_SEED, load_problems  # noqa: E402
from dspy_coder.lm import make_lm  # noqa: E402
from dspy_coder.optimizers.budgets import budget_for  # noqa: E402
from dspy_coder.optimizers.compile import compile_program  # noqa: E402
from dspy_coder.optimizers.ray_runs import runs_on_ray  # noqa: E402
from tests.fakes.openai_stub import openai_stub  # noqa: E402

PROPOSER = {"observations": "COMPLETE", "summary": "Python functions from docstrings.",
            "program_description": "Writes one function.", "module_description": "Writes code.",
            "proposed_instruction": "Complete the function the docstring describes."}


def outcome(result) -> tuple:
    return (result.program.dump_state(), result.train_score, result.dev_score,
            result.lm_calls, result.trial_scores)


def timed(optimizer: str, problems, lm, threads: int, **hooks) -> tuple[float, tuple]:
    started = time.perf_counter()
    result = compile_program("baseline", optimizer=optimizer, budget=budget_for("light"),
                             problems=problems, student_lm=lm, threads=threads, **hooks)
    return time.perf_counter() - started, outcome(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--optimizer", default="mipro")
    parser.add_argument("--lm-delay", type=float, default=0.5, help="seconds per stub answer")
    parser.add_argument("--cpus", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    problems = load_problems("humaneval")
    table = {f"def {p.entry_point}(": p.prompt + p.canonical_solution for p in problems}
    with openai_stub(table, delay_s=args.lm_delay, sections=PROPOSER) as base:
        lm = make_lm("openai/stub", api_base=base, api_key="x", cache=False)
        one_s, one = timed(args.optimizer, problems, lm, threads=1)
        two_s, two = timed(args.optimizer, problems, lm, threads=2)
        started = time.perf_counter()
        init_ray(RayTarget(num_cpus=args.cpus))
        startup_s = time.perf_counter() - started
        runs = []
        for _ in range(2):  # the second compile finds the workers warm
            with runs_on_ray(RayTarget(), kind="baseline", options={}, problems=problems,
                             seed=DEFAULT_SPLIT_SEED, threads=2) as hooks:
                ray_s, on_ray = timed(args.optimizer, problems, lm, threads=2, **hooks)
                runs.append((ray_s, on_ray, hooks["program_factory"].__self__.runs))
        import ray

        ray.shutdown()
    (first_s, first, n), (warm_s, warm, _) = runs
    same = one == two == first == warm
    print(f"compile: baseline, {args.optimizer}, light budget, HumanEval train/dev, stub LM "
          f"{args.lm_delay:g} s/answer, real sandbox; {n} program runs; train score "
          f"{one[1]:.3f}, dev score {one[2]:.3f}")
    print(f"compiled program, scores and LM calls identical across the four compiles: {same}")
    print(f"one process, --threads 1: {one_s:7.2f} s  {one_s / n:6.3f} s/run")
    print(f"one process, --threads 2: {two_s:7.2f} s  {two_s / n:6.3f} s/run")
    print(f"Ray, {args.cpus} CPUs, --threads 2: {first_s:7.2f} s  {first_s / n:6.3f} s/run "
          f"(+ {startup_s:.1f} s cluster start, once)")
    print(f"Ray again, warm workers  : {warm_s:7.2f} s  {warm_s / n:6.3f} s/run")
    print(f"ratio Ray / 2 threads (same parallelism): first run {first_s / two_s:.2f}, "
          f"warm workers {warm_s / two_s:.2f}")
    print(f"Ray overhead per program run vs 2 threads: first run "
          f"{(first_s - two_s) / n * 1000:+.0f} ms, warm workers "
          f"{(warm_s - two_s) / n * 1000:+.0f} ms")
    if not same:
        raise SystemExit("the compiles differ")


if __name__ == "__main__":
    main()
