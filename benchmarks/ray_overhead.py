"""Per-unit overhead of `bench --ray` against one process, on the same run.

Runs the single-shot baseline over HumanEval's every-8th problem (21), by default against a
local stub of an OpenAI-compatible server that answers each prompt with the reference solution
after ``--lm-delay`` seconds (a stand-in for model time), or with ``--api-base`` against a
real model server (``dspy-coder serve``), greedy. Every answer is graded by the real sandbox.
The same run goes through: one process with 1 thread, one process with 2 threads, and a local
Ray cluster of ``--cpus`` CPUs, twice (the first run pays each worker's imports of dspy and
litellm). Prints wall time per unit for each, Ray's over the 2-thread run (the same
parallelism) as a ratio, and Ray's start-up, measured apart. Rows are checked to be equal.

    python benchmarks/ray_overhead.py --lm-delay 0.5 --cpus 2
    python benchmarks/ray_overhead.py --api-base http://127.0.0.1:8011/v1 \
        --lm openai/qwen2.5-coder-1.5b     # a real model server, started apart
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dspy_coder import _env  # noqa: E402,F401
from dspy_coder.bench.ray_cluster import RayTarget, init_ray  # noqa: E402
from dspy_coder.bench.runner import BenchConfig, run_benchmark  # noqa: E402
from dspy_coder.bench.variants import resolve_variant  # noqa: E402
from dspy_coder.datasets import load_problems, select_problems  # noqa: E402
from dspy_coder.lm import make_lm  # noqa: E402
from tests.fakes.openai_stub import openai_stub  # noqa: E402

logger = logging.getLogger("ray_overhead")


def rows(records) -> dict:
    return {r.key: (r.passed, r.grade_status, r.code, r.cost.lm_calls) for r in records}


def timed(config: BenchConfig, lm, out: Path, **kwargs) -> tuple[float, dict]:
    started = time.perf_counter()
    outcome = run_benchmark(config, lm, out, **kwargs)
    return time.perf_counter() - started, rows(outcome.records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stride", type=int, default=8)
    parser.add_argument("--lm-delay", type=float, default=0.5, help="seconds per stub answer")
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--api-base", help="a real OpenAI-compatible model server instead "
                        "of the stub (e.g. dspy-coder serve's)")
    parser.add_argument("--lm", default="openai/qwen2.5-coder-1.5b",
                        help="the LiteLLM model name on --api-base")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    problems = select_problems(load_problems("humaneval"), stride=args.stride)
    table = {f"def {p.entry_point}(": p.prompt + p.canonical_solution for p in problems}
    n = len(problems)
    server = (contextlib.nullcontext(args.api_base) if args.api_base
              else openai_stub(table, delay_s=args.lm_delay))
    model = args.lm if args.api_base else "openai/stub"
    with server as base, tempfile.TemporaryDirectory() as tmp:
        lm = make_lm(model, api_base=base, api_key="x", cache=False, temperature=0.0)
        base_config = dict(variants=[resolve_variant("baseline")], problems=problems,
                           lm_label=model)
        one_s, one = timed(BenchConfig(**base_config), lm, Path(tmp) / "one")
        two_s, two = timed(BenchConfig(**base_config, workers=2), lm, Path(tmp) / "two")
        started = time.perf_counter()
        init_ray(RayTarget(num_cpus=args.cpus))
        startup_s = time.perf_counter() - started
        ray_s, on_ray = timed(BenchConfig(**base_config), lm, Path(tmp) / "ray", ray=RayTarget())
        # the same run again on the same cluster: its workers have imported dspy already
        warm_s, warm = timed(BenchConfig(**base_config), lm, Path(tmp) / "warm", ray=RayTarget())
        import ray

        ray.shutdown()
    arms = {"1 thread": one, "2 threads": two, "Ray": on_ray, "Ray warm": warm}
    same = one == two == on_ray == warm
    passed = sum(v[0] for v in on_ray.values())
    source = (f"model server {args.lm} at {args.api_base}, greedy" if args.api_base
              else f"stub LM {args.lm_delay:g} s/answer")
    print(f"units: {n} (HumanEval every {args.stride}th, baseline, {source}, real sandbox "
          f"grading); passed {passed}/{n}")
    print(f"rows identical across the four runs: {same}")
    print(f"one process, 1 thread : {one_s:7.2f} s  {one_s / n:6.3f} s/unit")
    print(f"one process, 2 threads: {two_s:7.2f} s  {two_s / n:6.3f} s/unit")
    print(f"Ray, {args.cpus} CPUs           : {ray_s:7.2f} s  {ray_s / n:6.3f} s/unit "
          f"(+ {startup_s:.1f} s cluster start, once)")
    print(f"Ray again, warm workers : {warm_s:7.2f} s  {warm_s / n:6.3f} s/unit")
    print(f"ratio Ray / 2 threads (same parallelism): first run {ray_s / two_s:.2f}, "
          f"warm workers {warm_s / two_s:.2f}")
    print(f"ratio Ray / 1 thread                   : first run {ray_s / one_s:.2f}, "
          f"warm workers {warm_s / one_s:.2f}")
    print(f"Ray overhead per unit vs 2 threads: first run {(ray_s - two_s) / n * 1000:+.0f} ms, "
          f"warm workers {(warm_s - two_s) / n * 1000:+.0f} ms")
    print("passed per run: " + ", ".join(f"{name} {sum(v[0] for v in rows.values())}/{n}"
                                         for name, rows in arms.items()))
    for key in sorted(one, key=str):
        variants = {name: rows.get(key) for name, rows in arms.items()}
        if len({repr(v) for v in variants.values()}) > 1:
            codes = {name: v[2] if v else None for name, v in variants.items()}
            groups: dict[str, list[str]] = {}
            for name, code in codes.items():
                groups.setdefault(code or "", []).append(name)
            print(f"differs: {key[0]}: " + "; ".join(
                f"{'/'.join(names)} {'pass' if variants[names[0]][0] else 'fail'}"
                for names in groups.values()))
    if not same:
        raise SystemExit("rows differ between the runs")


if __name__ == "__main__":
    main()
