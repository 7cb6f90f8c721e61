"""`dspy-coder optimize`: compile a program with a DSPy teleprompter and save it.

Example:
    $ dspy-coder optimize --program baseline --optimizer bootstrap --budget light \\
        --lm local:qwen2.5-coder-1.5b --out runs/bfs-baseline
    $ dspy-coder bench --program runs/bfs-baseline/program.json --split test
    $ dspy-coder optimize ... --lm openai/qwen --api-base http://HOST:8000/v1 --ray auto
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from pathlib import Path
from typing import Any

from dspy_coder.commands.datasets_dir import add_datasets_dir_option
from dspy_coder.commands.lm_cache import add_lm_cache_option
from dspy_coder.commands.optimize_ray import add_ray_options, check_ray, program_runs
from dspy_coder.commands.pipeline_options import (
    PIPELINE_DEFAULTS,
    add_pipeline_options,
    pipeline_options,
    refuse_pipeline_flags,
)
from dspy_coder.errors import UsageError

logger = logging.getLogger(__name__)

OPTIMIZER_CHOICES = ("bootstrap", "random-search", "mipro", "gepa", "simba")
# The pipeline options a compile starts from: the pipeline's own defaults, written out in full
# so the sidecar records them and a compiled pipeline differs from the uncompiled one only in
# what the optimizer changed.
CODER_COMPILE_DEFAULTS: dict[str, Any] = dict(PIPELINE_DEFAULTS)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "optimize",
        help="compile a program with a DSPy optimizer on the train/dev splits and save it",
        description="Compile coder/baseline/cot with BootstrapFewShot, random search, MIPROv2, "
        "GEPA or SIMBA, scored by the train problems' own tests in the sandbox. The test split "
        "is never used. Ctrl-C keeps the best program found so far; the same command with the "
        "same --out continues a stopped compile (its LM calls replayed from OUT/resume/).",
    )
    parser.add_argument(
        "--program",
        dest="kind",
        choices=("coder", "baseline", "cot"),
        default="coder",
        help="program to compile (default: coder)",
    )
    parser.add_argument(
        "--optimizer",
        default="bootstrap",
        help=f"one of {', '.join(OPTIMIZER_CHOICES)} (DSPy class names also work)",
    )
    parser.add_argument(
        "--budget",
        choices=("light", "medium", "heavy"),
        default="light",
        help="compute budget; see dspy_coder/optimizers/budgets.py (default light)",
    )
    parser.add_argument(
        "--trials",
        type=int,
        default=None,
        help="override: candidate sets / MIPRO trials / SIMBA steps",
    )
    parser.add_argument("--train-size", type=int, default=None, help="override: train problems")
    parser.add_argument("--dev-size", type=int, default=None, help="override: dev problems")
    parser.add_argument("--max-demos", type=int, default=None, help="override: max demos")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="parallel program runs (keep 1 for an in-process local model)",
    )
    parser.add_argument(
        "--teacher-lm",
        default=None,
        help="LM for bootstrapping demos and proposing instructions (default: the student --lm)",
    )
    parser.add_argument(
        "--train-data",
        "--dataset",
        dest="dataset",
        default="humaneval",
        metavar="SETS",
        help="problem sets whose train/dev splits feed the compile, comma-separated: "
        "'humaneval' (default), 'mbpp-evalplus' (MBPP with the first assert shown), 'mbpp', or "
        "JSONL files in HumanEval format; each keeps its own seeded split, so its test split "
        "(bench --dataset NAME --split test) is never seen",
    )
    add_datasets_dir_option(parser)
    parser.add_argument(
        "--split-seed",
        type=int,
        default=None,
        help="seed of the train/dev/test split (default: the fixed project seed)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="output directory for program.json and program.meta.json",
    )
    add_pipeline_options(
        parser.add_argument_group("pipeline", "options of --program coder"),
    )
    parser.add_argument(
        "--dev-focus",
        choices=("none", "failing"),
        default="none",
        help="'failing': weight the dev set toward problems whose first draft (the student's "
        "single-shot answer) fails the prompt's own examples; never decided from hidden tests "
        "(default none: the dev split's first --dev-size problems)",
    )
    parser.add_argument(
        "--dev-focus-share",
        type=float,
        default=None,
        metavar="S",
        help="with --dev-focus failing: the share of dev problems whose first draft fails "
        "(default 0.5)",
    )
    parser.add_argument(
        "--first-drafts",
        type=Path,
        default=None,
        metavar="JSON",
        help="with --dev-focus failing: where the first drafts' outcomes are kept, drafted once "
        "per problem and student LM (default OUT/first_drafts.json; share one file between "
        "compiles with the same student)",
    )
    parser.add_argument(
        "--call-penalty",
        type=float,
        default=0.0,
        metavar="P",
        help="also reward fewer LM calls: score = pass rate x (1 - P) ** (calls - 1), "
        "0 <= P < 1 (default 0: the pass rate alone); demos still need all tests passing",
    )
    parser.add_argument(
        "--gepa-proposer",
        choices=("rewrite", "lesson"),
        default="rewrite",
        help="how GEPA's reflection LM changes a step: 'rewrite' its instruction (refused when "
        "it restates a training problem), or add one general 'lesson' to it (default: rewrite)",
    )
    parser.add_argument(
        "--seconds-per-call",
        type=float,
        default=None,
        metavar="S",
        help="seconds one program run takes, for the duration estimate logged before the "
        "compile starts (default: a committed benchmark of the same program and local model)",
    )
    parser.add_argument(
        "--restart",
        action="store_true",
        help="discard what an earlier compile left in --out (OUT/resume/: its LM calls, "
        "sandbox results and scores; GEPA's state) instead of continuing it",
    )
    parser.add_argument(
        "--no-final-eval",
        action="store_true",
        help="skip scoring the compiled program on the train/dev problems",
    )
    parser.add_argument(
        "--eval-uncompiled",
        action="store_true",
        help="also score the uncompiled program on the dev problems",
    )
    parser.add_argument("--no-tracking", action="store_true", help="do not log to MLflow")
    add_lm_cache_option(parser)
    add_ray_options(parser)
    return parser


def coder_options(args: argparse.Namespace) -> dict[str, Any]:
    """Constructor options of the program to compile: for the pipeline,
    ``CODER_COMPILE_DEFAULTS`` overridden by the pipeline flags; none for the others."""
    if args.kind != "coder":
        refuse_pipeline_flags(args, f"--program {args.kind}")
        return {}
    return {**CODER_COMPILE_DEFAULTS, **pipeline_options(args)}


def dev_focus_share(args: argparse.Namespace) -> float | None:
    """The dev focus share (None: no focus), after checking the flags belong together."""
    from dspy_coder.optimizers.dev_focus import check_share

    if args.dev_focus == "none":
        stray = [flag for flag, value in (("--dev-focus-share", args.dev_focus_share),
                                          ("--first-drafts", args.first_drafts)) if value]
        if stray:
            needs = "need" if len(stray) > 1 else "needs"
            raise UsageError(f"{' and '.join(stray)} {needs} --dev-focus failing.")
        return None
    return check_share(0.5 if args.dev_focus_share is None else args.dev_focus_share)


def run(args: argparse.Namespace, settings: Any) -> int:
    from dspy_coder.bench.portable_paths import portable_command
    from dspy_coder.datasets import DEFAULT_SPLIT_SEED
    from dspy_coder.optimizers.budgets import budget_for
    from dspy_coder.optimizers.pool import load_pool
    from dspy_coder.optimizers.registry import resolve_optimizer
    from dspy_coder.optimizers.resume import ResumeState
    from dspy_coder.optimizers.session import OptimizeRequest, run_optimization

    if args.threads < 1:
        raise UsageError("--threads must be >= 1.")
    if not 0.0 <= args.call_penalty < 1.0:
        raise UsageError(f"--call-penalty must be >= 0 and < 1, got {args.call_penalty}.")
    focus_share = dev_focus_share(args)
    if args.seconds_per_call is not None and args.seconds_per_call <= 0:
        raise UsageError(f"--seconds-per-call must be > 0, got {args.seconds_per_call}.")
    optimizer = resolve_optimizer(args.optimizer)
    budget = budget_for(
        args.budget,
        trials=args.trials,
        train_size=args.train_size,
        dev_size=args.dev_size,
        max_demos=args.max_demos,
    )
    options = coder_options(args)
    check_ray(args, settings.lm)
    pool = load_pool(args.dataset, args.datasets_dir)
    request = OptimizeRequest(
        kind=args.kind,
        optimizer=optimizer,
        budget=budget,
        out_dir=args.out,
        student_spec=settings.lm,
        teacher_spec=args.teacher_lm,
        dataset=str(args.dataset),
        program_options=options,
        threads=args.threads,
        seed=args.split_seed if args.split_seed is not None else DEFAULT_SPLIT_SEED,
        final_eval=not args.no_final_eval,
        baseline_eval=args.eval_uncompiled,
        tracking_uri=settings.tracking_uri,
        track=not args.no_tracking,
        # relative to the repository: sidecars are committed with the results
        command=portable_command(
            "dspy-coder " + " ".join(shlex.quote(a) for a in getattr(args, "argv", sys.argv[1:]))
        ),
        lm_cache=args.lm_cache,
        call_penalty=args.call_penalty,
        gepa_proposer=args.gepa_proposer,
        dev_focus_share=focus_share,
        first_drafts=args.first_drafts,
        seconds_per_call=args.seconds_per_call,
        restart=args.restart,
        lm_settings={"temperature": settings.temperature, "max_tokens": settings.max_tokens,
                     "seed": settings.seed},
    )
    if not args.restart:  # refuse another compile's --out before any model loads
        ResumeState.check(args.out, request.resume_settings())
    # Compile cost figures need real calls: no DSPy cache unless asked (a resumed compile
    # replays only its own calls, from OUT/resume/, and counts them apart).
    student = settings.configure(cache=args.lm_cache)
    teacher = settings.make_lm(args.teacher_lm, cache=args.lm_cache) if args.teacher_lm else None
    with program_runs(args, options, pool, request.seed) as placement:
        sidecar = run_optimization(request, problems=pool, student_lm=student,
                                   teacher_lm=teacher, **placement)
    scores = sidecar["scores"]
    summary = {
        "program": str(args.out / "program.json"),
        "optimizer": sidecar["optimizer_class"],
        "budget": args.budget,
        "train_score": scores["train"],
        "dev_score": scores["dev"],
        "dev_solved": scores["dev_solved"],
        "uncompiled_dev": scores["uncompiled_dev"],
        "compile_seconds": sidecar["compile_seconds"],
        "lm_calls": sidecar["lm_calls"]["compile"],
        "interrupted": sidecar["interrupted"],
    }
    sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    return 130 if sidecar["interrupted"] else 0
