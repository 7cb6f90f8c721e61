"""Speed of the built-in local models on this machine: load time, prompt and generation tokens/s,
peak RSS. Each model runs in its own child process so its peak memory is its own.

Usage:
    .venv/bin/python benchmarks/lm_speed.py                      # both models, write results
    .venv/bin/python benchmarks/lm_speed.py --models qwen2.5-coder-0.5b --no-write

Prompt and generation rates come from llama.cpp's own counters (prompt evaluation and token
generation time, excluding sampling and Python overhead); "DSPy call" is the wall time of one
uncached dspy.Predict call through make_lm, for scale (it may include waiting for the
machine-wide llama.cpp lock held by other dspy-coder processes). The measured calls take that
lock too, but other programs still share the CPU: the load average is recorded.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "lm_speed.md"
MODELS = ["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"]

# A HumanEval-sized prompt and a task whose answer is a few dozen lines of code.
PROMPT = (
    "Write a Python function `merge_intervals(intervals: list[tuple[int, int]]) -> "
    "list[tuple[int, int]]` that merges overlapping closed intervals and returns them sorted. "
    "Include a docstring with two doctest examples, handle empty input, and validate that each "
    "interval has start <= end (raise ValueError otherwise). Then write three pytest test "
    "functions for it. Answer with one Python code block only.\n\n"
    + "Context from the repository (for style only):\n"
    + "\n".join(f"# line {i}: keep functions small, typed and documented." for i in range(10))
)


def _child(name: str, reps: int, max_tokens: int, threads: int | None) -> dict:
    """Runs in the child process: measure one model, return the figures as a dict."""
    import dspy
    import llama_cpp

    from dspy_coder.lm import make_lm
    from dspy_coder.local_models import ensure_model_file, get_spec
    from dspy_coder.local_models.engine import LlamaCppEngine
    from dspy_coder.local_models.machine_lock import machine_lock

    started = time.perf_counter()
    path = ensure_model_file(get_spec(name))
    verify_s = time.perf_counter() - started

    engine = LlamaCppEngine(path, builtin=name, n_threads=threads)
    loaded = engine.load()
    llama = loaded.llama
    messages = [{"role": "user", "content": PROMPT}]

    prompt_rates, gen_rates, prompt_tokens, gen_tokens = [], [], [], []
    for rep in range(reps):
        # Take turns with other dspy-coder processes, as the engine does.
        with machine_lock():
            llama.reset()  # no prompt-prefix reuse between repetitions
            llama_cpp.llama_perf_context_reset(llama.ctx)
            llama.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=0.0, seed=rep
            )
            perf = llama_cpp.llama_perf_context(llama.ctx)
        prompt_tokens.append(perf.n_p_eval)
        gen_tokens.append(perf.n_eval)
        prompt_rates.append(1000.0 * perf.n_p_eval / perf.t_p_eval_ms)
        gen_rates.append(1000.0 * perf.n_eval / perf.t_eval_ms)

    lm = make_lm(f"local:{name}", max_tokens=64, cache=False, n_threads=threads)
    started = time.perf_counter()
    with dspy.context(lm=lm):
        dspy.Predict("question -> answer")(question="What does `len([1, 2, 3])` return?")
    dspy_call_s = time.perf_counter() - started

    return {
        "model": name,
        "file_mb": path.stat().st_size / 1e6,
        "verify_s": verify_s,
        "load_s": loaded.load_seconds,
        "n_threads": engine.n_threads,
        "n_ctx": engine.n_ctx,
        "prompt_tokens": statistics.median(prompt_tokens),
        "prompt_tps": statistics.median(prompt_rates),
        "gen_tokens": statistics.median(gen_tokens),
        "gen_tps": statistics.median(gen_rates),
        "gen_tps_all": [round(r, 1) for r in gen_rates],
        "dspy_call_s": dspy_call_s,
        "dspy_call_tokens": lm.history[-1]["usage"].get("completion_tokens"),
        "llama_cpp": llama_cpp.__version__,
    }


def _run_child(name: str, reps: int, max_tokens: int, threads: int | None) -> dict:
    """Start the child, poll its RSS with psutil every 200 ms, return its figures + peak RSS."""
    proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--child",
            name,
            "--reps",
            str(reps),
            "--max-tokens",
            str(max_tokens),
            *(["--threads", str(threads)] if threads else []),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    watched = psutil.Process(proc.pid)
    peak = 0
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                peak = max(peak, watched.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.2)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    out, _ = proc.communicate()
    stop.set()
    poller.join()
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child for {name} failed with exit code {proc.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_mb"] = max(peak, result.pop("ru_maxrss_kb", 0) * 1024) / 1e6
    result["loadavg_1m_after"] = os.getloadavg()[0]
    return result


def _machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": psutil.virtual_memory().total / 2**30,
        "commit": commit,
        "python": platform.python_version(),
    }


def _report(machine: dict, results: list[dict], load_before: tuple, load_after: tuple) -> str:
    version = results[0]["llama_cpp"] if results else "?"
    lines = [
        "# Local LM speed (benchmarks/lm_speed.py)",
        "",
        f"- date: {machine['date']}; commit: {machine['commit']}",
        f"- machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['ram_gb']:.0f} GiB RAM, "
        f"Python {machine['python']}, llama-cpp-python {version}",
        f"- load average (1/5/15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {', '.join(f'{x:.2f}' for x in load_after)} (the CPU is shared)",
        "",
        "| model | file MB | threads | verify cached file s | load s | prompt tok | prompt tok/s "
        "| gen tok | gen tok/s (median; all) | DSPy Predict call s (tokens) | peak RSS MB "
        "| load avg after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['model']} | {r['file_mb']:.0f} | {r['n_threads']} | {r['verify_s']:.2f} "
            f"| {r['load_s']:.2f} | {r['prompt_tokens']:.0f} | {r['prompt_tps']:.1f} "
            f"| {r['gen_tokens']:.0f} | {r['gen_tps']:.1f}; {r['gen_tps_all']} "
            f"| {r['dspy_call_s']:.1f} ({r['dspy_call_tokens']}) | {r['peak_rss_mb']:.0f} "
            f"| {r['loadavg_1m_after']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=MODELS)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument(
        "--threads",
        nargs="+",
        type=int,
        default=[0],
        help="llama.cpp threads to try (0 = the default: physical cores); e.g. --threads 0 1",
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        import resource

        result = _child(args.child, args.reps, args.max_tokens, args.threads[0] or None)
        result["ru_maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps(result))
        return

    machine = _machine()
    load_before = os.getloadavg()
    results = []
    for name in args.models:
        print(f"benchmarking {name} ...", file=sys.stderr, flush=True)
        for threads in args.threads:
            results.append(_run_child(name, args.reps, args.max_tokens, threads or None))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)  # progress, in case
    report = _report(machine, results, load_before, os.getloadavg())
    print(report)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(report)
        print(f"written to {RESULTS.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
