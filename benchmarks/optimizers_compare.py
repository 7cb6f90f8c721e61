"""Compiled vs uncompiled program on the held-out HumanEval test split (resumable).

1. Compiles ``--kind`` with ``--optimizer``/``--budget`` on the train/dev splits (skipped if
   ``OUT/<optimizer>-<kind>/program.json`` exists), tracked in MLflow like ``dspy-coder
   optimize``.
2. Runs the uncompiled and the compiled program on every test-split problem, grading each
   answer with the problem's hidden tests in the sandbox (human-eval semantics: all asserts
   pass). Results append to ``OUT/results.jsonl``; a rerun skips finished (variant, task) pairs.
3. Writes ``OUT/summary.json`` and ``OUT/table.md``.

Example:
    .venv/bin/python benchmarks/optimizers_compare.py --lm local:qwen2.5-coder-0.5b \\
        --kind baseline --optimizer bootstrap --budget light \\
        --out benchmarks/results/optimizers_2026-11-21
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import shlex
import sys
import time
from pathlib import Path

from dspy_coder import _env  # noqa: F401
from dspy_coder.optimizers.artifacts import git_commit, load_program, utc_now

logger = logging.getLogger("optimizers_compare")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lm", default="local:qwen2.5-coder-0.5b")
    parser.add_argument("--teacher-lm", default=None)
    parser.add_argument("--kind", default="baseline", choices=("baseline", "cot", "coder"))
    parser.add_argument("--optimizer", default="bootstrap")
    parser.add_argument("--budget", default="light")
    parser.add_argument("--max-tokens", type=int, default=1024)
    parser.add_argument("--n-threads", type=int, default=None,
                        help="llama.cpp threads for local models (1 is faster on a busy CPU)")
    parser.add_argument("--limit", type=int, default=None, help="first N test problems only")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tracking-uri", default="sqlite:///mlflow.db")
    parser.add_argument("--summarize-only", action="store_true",
                        help="only rewrite summary.json/table.md from results.jsonl")
    parser.add_argument("--no-compile-eval", action="store_true",
                        help="skip scoring on train/dev after compiling (saves CPU)")
    return parser.parse_args(argv)


def compile_if_needed(args: argparse.Namespace, problems, lm, teacher) -> Path:
    from dspy_coder.optimizers.budgets import budget_for
    from dspy_coder.optimizers.registry import resolve_optimizer
    from dspy_coder.optimizers.session import OptimizeRequest, run_optimization

    optimizer = resolve_optimizer(args.optimizer)
    out = args.out / f"{optimizer}-{args.kind}"
    if (out / "program.json").is_file() and (out / "program.meta.json").is_file():
        logger.info("Reusing compiled program %s", out)
        return out
    request = OptimizeRequest(
        kind=args.kind, optimizer=optimizer, budget=budget_for(args.budget), out_dir=out,
        student_spec=args.lm, teacher_spec=args.teacher_lm,
        baseline_eval=not args.no_compile_eval, final_eval=not args.no_compile_eval,
        tracking_uri=args.tracking_uri,
        command="python " + " ".join(shlex.quote(a) for a in sys.argv),
    )
    run_optimization(request, problems=problems, student_lm=lm, teacher_lm=teacher)
    return out


def finished(results_path: Path) -> set[tuple[str, str]]:
    if not results_path.is_file():
        return set()
    done = set()
    for line in results_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            done.add((record["variant"], record["task_id"]))
    return done


def run_variants(programs: dict, problems, lm, results_path: Path) -> None:
    """Each problem with every variant in turn, so a stopped run still compares like for like."""
    import dspy

    from dspy_coder.optimizers.progress import LMCallCounter
    from dspy_coder.sandbox import run

    done = finished(results_path)
    for index, problem in enumerate(problems, start=1):
        for name, program in programs.items():
            if (name, problem.task_id) in done:
                continue
            counter = LMCallCounter()
            started = time.monotonic()
            error = ""
            with dspy.context(lm=lm, callbacks=[*(dspy.settings.callbacks or []), counter]):
                try:
                    code = program(prompt=problem.prompt, entry_point=problem.entry_point,
                                   task_id=problem.task_id).code
                except Exception as exc:  # a failed generation counts as a failed answer
                    code, error = "", f"{type(exc).__name__}: {exc}"
            seconds = time.monotonic() - started
            graded = run(code, tests=problem.test, entry_point=problem.entry_point) if code \
                else None
            passed = bool(graded and graded.passed)
            record = {"variant": name, "task_id": problem.task_id, "passed": passed,
                      "lm_calls": counter.total, "seconds": round(seconds, 1), "error": error}
            with results_path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")
            logger.info("%d/%d %s %s passed=%s (%.0fs)", index, len(problems), name,
                        problem.task_id, passed, seconds)


def summarize(args: argparse.Namespace, compiled_dir: Path, results_path: Path, n: int) -> dict:
    records = [json.loads(line) for line in results_path.read_text().splitlines() if line]
    meta = json.loads((compiled_dir / "program.meta.json").read_text())
    rows = {}
    for variant in ("uncompiled", "compiled"):
        mine = [r for r in records if r["variant"] == variant]
        if mine:
            rows[variant] = {
                "problems": len(mine), "passed": sum(r["passed"] for r in mine),
                "pass_at_1": sum(r["passed"] for r in mine) / len(mine),
                "mean_lm_calls": sum(r["lm_calls"] for r in mine) / len(mine),
                "mean_seconds": sum(r["seconds"] for r in mine) / len(mine),
            }
    summary = {
        "date": utc_now(), "machine": f"{platform.node()} ({platform.machine()})",
        "git_commit": git_commit(), "lm": args.lm, "teacher_lm": args.teacher_lm or args.lm,
        "program": args.kind, "optimizer": meta["optimizer_class"], "budget": meta["budget"],
        "split": "test", "split_seed": meta["split"]["seed"], "test_problems": n,
        "compile_seconds": meta["compile_seconds"], "compile_lm_calls": meta["lm_calls"],
        "compile_scores": meta["scores"], "demos": _demo_count(compiled_dir),
        "results": rows, "command": meta.get("command", ""),
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    (args.out / "table.md").write_text(table(summary, records), encoding="utf-8")
    return summary


def table(summary: dict, records: list[dict]) -> str:
    """Markdown table of the paired comparison (problems both variants finished)."""
    by_variant: dict[str, dict[str, dict]] = {}
    for record in records:
        by_variant.setdefault(record["variant"], {})[record["task_id"]] = record
    paired = sorted(set(by_variant.get("compiled", {})) & set(by_variant.get("uncompiled", {})))
    lines = [
        f"{summary['program']} + {summary['optimizer']} ({summary['budget']['name']} budget), "
        f"LM {summary['lm']}, HumanEval test split (seed {summary['split_seed']}), "
        f"{len(paired)} problems graded by their hidden tests.",
        "",
        "| variant | passed | pass@1 | mean LM calls | mean s/problem |",
        "|---|---|---|---|---|",
    ]
    for variant in ("uncompiled", "compiled"):
        rows = [by_variant[variant][t] for t in paired]
        if rows:
            n = len(rows)
            lines.append(
                f"| {variant} | {sum(r['passed'] for r in rows)}/{n} | "
                f"{sum(r['passed'] for r in rows) / n:.3f} | "
                f"{sum(r['lm_calls'] for r in rows) / n:.1f} | "
                f"{sum(r['seconds'] for r in rows) / n:.0f} |")
    gained = [t for t in paired if by_variant["compiled"][t]["passed"]
              and not by_variant["uncompiled"][t]["passed"]]
    lost = [t for t in paired if by_variant["uncompiled"][t]["passed"]
            and not by_variant["compiled"][t]["passed"]]
    lines += ["", f"Compile: {summary['compile_seconds']} s, "
              f"{summary['compile_lm_calls']['compile']} LM calls, {summary['demos']} demos. "
              f"Fixed by compiling: {', '.join(gained) or 'none'}; "
              f"broken by compiling: {', '.join(lost) or 'none'}.",
              f"Date {summary['date']}, commit {summary['git_commit']}, {summary['machine']}.",
              f"Command: `{summary['command']}`", ""]
    return "\n".join(lines)


def _demo_count(compiled_dir: Path) -> int:
    state = json.loads((compiled_dir / "program.json").read_text())
    return sum(len(v.get("demos", [])) for v in state.values() if isinstance(v, dict))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("LiteLLM", "litellm", "httpx", "mlflow", "alembic", "urllib3", "datasets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    import dspy

    from dspy_coder.datasets import load_problems, select_problems
    from dspy_coder.lm import make_lm
    from dspy_coder.optimizers.programs import make_program
    from dspy_coder.optimizers.registry import resolve_optimizer

    args.out.mkdir(parents=True, exist_ok=True)
    problems = load_problems("humaneval")
    test = select_problems(problems, split="test", limit=args.limit)
    results_path = args.out / "results.jsonl"
    if args.summarize_only:
        compiled_dir = args.out / f"{resolve_optimizer(args.optimizer)}-{args.kind}"
        summarize(args, compiled_dir, results_path, len(test))
        sys.stdout.write((args.out / "table.md").read_text())
        return 0
    extra = {"n_threads": args.n_threads} if args.n_threads else {}
    lm = make_lm(args.lm, temperature=0.0, max_tokens=args.max_tokens, seed=0, **extra)
    teacher = make_lm(args.teacher_lm, temperature=0.0, max_tokens=args.max_tokens, seed=0,
                      **extra) if args.teacher_lm else None
    dspy.configure(lm=lm, track_usage=True)
    compiled_dir = compile_if_needed(args, problems, lm, teacher)
    programs = {"uncompiled": make_program(args.kind), "compiled": load_program(compiled_dir)}
    run_variants(programs, test, lm, results_path)
    summary = summarize(args, compiled_dir, results_path, len(test))
    sys.stdout.write(json.dumps(summary["results"], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
