"""`dspy-coder bench`: run program variants over a problem set, graded by its hidden tests.

Actions:
    dspy-coder bench [run] --variant baseline --lm local:qwen2.5-coder-1.5b   # run or resume
    dspy-coder bench report RUN_DIR [RUN_DIR ...]     # rewrite summary, table and plots
    dspy-coder bench compare RUN_DIR RUN_DIR ...      # side-by-side table (and plots with --out)
    dspy-coder bench compare RUN_DIR RUN_DIR --stride 8   # ... on the selected problems only
    dspy-coder bench compare HUMANEVAL_DIR MBPP_DIR --pool  # two halves read as one run
    dspy-coder bench merge SHARD_DIR [SHARD_DIR ...] --out RUN_DIR   # join --shard runs

Example:
    $ dspy-coder bench --variant baseline --variant cot --stride 8 --lm local:qwen2.5-coder-0.5b
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from pathlib import Path

from dspy_coder.commands.datasets_dir import add_datasets_dir_option
from dspy_coder.commands.interrupts import SignalInterrupt, stop_on_signals
from dspy_coder.commands.lm_cache import add_lm_cache_option
from dspy_coder.commands.pipeline_options import (
    add_pipeline_options,
    add_senior_option,
    pipeline_argv,
    pipeline_options,
)
from dspy_coder.commands.scaleout_options import (
    add_scaleout_options,
    check_scaleout,
    ray_target,
    scaleout_argv,
    shard_folder,
    shard_of,
)
from dspy_coder.errors import UsageError

logger = logging.getLogger(__name__)

DEFAULT_RESULTS_ROOT = Path("benchmarks/results")
ACTIONS = ("run", "report", "compare", "merge")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "bench",
        help="benchmark program variants on HumanEval or a JSONL problem set",
        description="Run program variants over problems and grade them with the hidden tests "
        "in the sandbox. Results append to RESULTS_DIR/results.jsonl; rerunning the same "
        "command resumes. Actions: run (default), report RUN..., compare RUN..., "
        "merge SHARD... --out RUN",
    )
    parser.add_argument(
        "action",
        nargs="?",
        default="run",
        choices=ACTIONS,
        help="run (default), report RUN..., compare RUN..., or merge SHARD... --out RUN",
    )
    parser.add_argument(
        "runs", nargs="*", type=Path, help="run directories (for report/compare/merge)"
    )
    data = parser.add_argument_group("problems")
    data.add_argument(
        "--dataset",
        default="humaneval",
        help="'humaneval' (default), 'mbpp' (the 427 sanitized problems as task sentence + "
        "signature), 'mbpp-evalplus' (the same with the first assert shown, EvalPlus's prompt; "
        "what optimize trains on), 'classeval' (70 class-level tasks: a class skeleton to "
        "complete, graded by unittest classes; needs pip install -e '.[classeval]') or a JSONL "
        "file in HumanEval format",
    )
    data.add_argument(
        "--strip-examples",
        action="store_true",
        help="remove the docstring examples from every prompt (HumanEval or a JSONL set; the "
        "run's dataset is then named <dataset>-stripped); MBPP prompts have none",
    )
    add_datasets_dir_option(data)
    data.add_argument(
        "--ids",
        action="append",
        default=[],
        help="task ids, comma-separated or repeated (e.g. HumanEval/0,HumanEval/3, or 0,3)",
    )
    data.add_argument(
        "--split", choices=("train", "dev", "test"), help="fixed, seeded split of the problem set"
    )
    data.add_argument(
        "--split-seed",
        type=int,
        default=None,
        help="seed of the train/dev/test split (default: the project's fixed seed)",
    )
    data.add_argument("--stride", type=int, default=1, help="every k-th problem (8 -> 21)")
    data.add_argument("--limit", type=int, help="at most this many problems")
    prog = parser.add_argument_group("programs")
    prog.add_argument(
        "--variant",
        action="append",
        default=[],
        help="baseline, cot, coder, coder-no-tests, coder-no-refine, coder-no-plan "
        "(repeat or comma-separate; default baseline)",
    )
    prog.add_argument(
        "--program",
        action="append",
        default=[],
        type=Path,
        help="a compiled program JSON (module.save) with its .meta.json sidecar",
    )
    prog.add_argument(
        "--allow-compile-overlap",
        action="store_true",
        help="grade a --program even on problems it was compiled on",
    )
    pipeline = parser.add_argument_group(
        "pipeline", "apply to every coder variant and compiled coder program of the run"
    )
    add_pipeline_options(pipeline)
    add_senior_option(pipeline)
    run = parser.add_argument_group("running")
    run.add_argument(
        "--samples",
        type=int,
        default=1,
        help="answers per problem for pass@k (needs --temperature > 0)",
    )
    run.add_argument(
        "--workers",
        type=int,
        default=1,
        help="parallel generations: threads, each running one problem; a local model decodes "
        "up to 3 answers together (the same answers; whole calls about 1.3x faster here)",
    )
    add_scaleout_options(run)
    run.add_argument(
        "--grade-timeout",
        type=float,
        default=10.0,
        help="seconds per hidden-test run (default 10); for ClassEval, per test class",
    )
    run.add_argument(
        "--out",
        type=Path,
        help="run directory (default benchmarks/results/<derived name>); for "
        "compare: where to write comparison.md and plots",
    )
    run.add_argument(
        "--retry-errors",
        action="store_true",
        help="redo answers whose program raised, or the sandbox failed, in an earlier session",
    )
    run.add_argument(
        "--no-reports",
        action="store_true",
        help="do not keep full DevelopmentReports in reports.jsonl",
    )
    run.add_argument("--no-mlflow", action="store_true", help="do not log to MLflow")
    run.add_argument(
        "--pool",
        action="store_true",
        help="compare: read the runs as one (e.g. a HumanEval and an MBPP half), so each "
        "variant gets one row and one paired test over all their problems",
    )
    add_lm_cache_option(run)
    return parser


def run(args: argparse.Namespace, settings) -> int:
    if args.action == "compare":
        return _compare(args)
    if args.action == "report":
        return _report(args)
    if args.action == "merge":
        return _merge(args)
    if args.runs:
        raise UsageError(
            "Positional run directories are for 'report' or 'compare'; to run, use --out DIR."
        )
    return _run(args, settings)


def _split_list(values: list[str]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def slug(text: str) -> str:
    """File-name-safe form of an LM spec or dataset path.

    Example:
        >>> slug("local:qwen2.5-coder-1.5b")
        'qwen2.5-coder-1.5b'
    """
    text = text.split(":", 1)[1] if text.startswith("local:") else text
    text = Path(text).stem if text.endswith((".gguf", ".jsonl", ".gz")) else text
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", text).strip("_") or "x"


def dataset_name(args: argparse.Namespace) -> str:
    """The problem set's name in results (manifest, MLflow, default folder): ``humaneval``,
    ``mbpp``, ``mbpp-evalplus``, ``classeval`` or the JSONL file's stem, with ``-stripped``
    when the examples are removed, so that runs on the same task ids with other prompts never
    share a results folder.

    Example:
        >>> dataset_name(argparse.Namespace(dataset="HumanEval", strip_examples=True))
        'humaneval-stripped'
    """
    known = args.dataset.lower() in ("humaneval", "mbpp", "mbpp-evalplus", "classeval")
    name = args.dataset.lower() if known else slug(args.dataset)
    return f"{name}-stripped" if args.strip_examples else name


def selection_name(args: argparse.Namespace) -> str:
    parts = []
    if args.split:
        parts.append(args.split)
    if args.ids:
        ids = _split_list(args.ids)
        parts.append(f"ids{len(ids)}")
    if args.stride > 1:
        parts.append(f"stride{args.stride}")
    if args.limit:
        parts.append(f"limit{args.limit}")
    return "-".join(parts) or "all"


def _run(args: argparse.Namespace, settings) -> int:
    from dspy_coder.bench.runner import BenchConfig
    from dspy_coder.bench.session import run_session
    from dspy_coder.bench.variants import (
        check_compile_overlap,
        load_program_variant,
        resolve_variant,
    )

    check_scaleout(args, settings.lm)
    shard = shard_of(args)
    pipeline = pipeline_options(args)
    if args.senior_lm:
        pipeline["senior_lm"] = args.senior_lm  # in the variant's options, label and fingerprint
    names = _split_list(args.variant) or ([] if args.program else ["baseline"])
    variants = [resolve_variant(name, pipeline) for name in names]
    variants += [load_program_variant(path, pipeline) for path in args.program]
    problems = _select_problems(args)
    if not args.allow_compile_overlap:
        for variant in variants:
            check_compile_overlap(variant, [p.task_id for p in problems])
    config = BenchConfig(
        variants=variants,
        problems=problems,
        lm_label=settings.lm,
        samples=args.samples,
        temperature=settings.temperature,
        seed=settings.seed,
        workers=args.workers,
        grade_timeout_s=args.grade_timeout,
        retry_errors=args.retry_errors,
        save_reports=not args.no_reports,
    )
    config.validate()
    dataset = dataset_name(args)
    selection = selection_name(args)
    out_dir = args.out or shard_folder(
        DEFAULT_RESULTS_ROOT
        / default_run_name(
            dataset,
            selection,
            [v.label for v in variants],
            settings.lm,
            args.samples,
            settings.temperature,
        ),
        shard,
    )
    # Cost figures need real calls: no DSPy cache unless asked (resuming uses results.jsonl).
    from dspy_coder.lm import is_local_spec

    local_options = {"parallel": args.workers} if is_local_spec(settings.lm) else {}
    lm = settings.configure(cache=args.lm_cache, **local_options)
    with stop_on_signals() as stops:  # Ctrl-C/kill: partial summary, MLflow KILLED, exit 130/143
        try:
            result = run_session(
                config,
                lm,
                out_dir,
                dataset=dataset,
                selection=selection,
                tracking_uri=None if args.no_mlflow else settings.tracking_uri,
                argv=canonical_argv(args, settings, out_dir),
                ray=ray_target(args),
                shard=shard,
            )
        except KeyboardInterrupt as exc:
            # Ray's blocking calls re-raise a signal as a plain KeyboardInterrupt: keep which
            if stops.signum is not None and not isinstance(exc, SignalInterrupt):
                raise SignalInterrupt(stops.signum) from exc
            raise
    sys.stdout.write(_headline(result.rows, out_dir, result.mlflow_run_id, settings))
    return 0


def canonical_argv(args: argparse.Namespace, settings, out_dir: Path) -> list[str]:
    """The command that reproduces (and resumes) this run, whatever way it was invoked."""
    argv = ["dspy-coder", "bench", "--dataset", args.dataset]
    if args.strip_examples:
        argv.append("--strip-examples")
    if args.datasets_dir is not None:
        argv += ["--datasets-dir", str(args.datasets_dir)]
    for flag, values in (
        ("--variant", _split_list(args.variant)),
        ("--program", [str(p) for p in args.program]),
        ("--ids", [",".join(_split_list(args.ids))] if args.ids else []),
    ):
        for value in values:
            argv += [flag, value]
    for flag, value, default in (
        ("--split", args.split, None),
        ("--split-seed", args.split_seed, None),
        ("--stride", args.stride, 1),
        ("--limit", args.limit, None),
    ):
        if value != default:
            argv += [flag, str(value)]
    argv += pipeline_argv(args)
    argv += scaleout_argv(args)
    for flag, value, default in (
        ("--senior-lm", args.senior_lm, None),
        ("--samples", args.samples, 1),
        ("--workers", args.workers, 1),
        ("--grade-timeout", args.grade_timeout, 10.0),
        ("--max-tokens", settings.max_tokens, 1024),
        ("--seed", settings.seed, 0),
        ("--api-base", settings.api_base, None),
    ):
        if value != default:
            argv += [flag, str(value)]
    for flag, on in (
        ("--allow-compile-overlap", args.allow_compile_overlap),
        ("--retry-errors", args.retry_errors),
        ("--no-reports", args.no_reports),
        ("--no-mlflow", args.no_mlflow),
        ("--lm-cache", args.lm_cache),
    ):
        if on:
            argv.append(flag)
    argv += [
        "--lm",
        settings.lm,
        "--temperature",
        f"{settings.temperature:g}",
        "--out",
        str(out_dir),
    ]
    return argv


def default_run_name(
    dataset: str, selection: str, labels: list[str], lm: str, samples: int, temperature: float
) -> str:
    """Stable (date-free) so the same command resumes into the same directory."""
    variants = "+".join(labels) if len(labels) <= 3 else f"{len(labels)}variants"
    name = f"{dataset}-{selection}-{variants}-{slug(lm)}"
    if samples > 1:
        name += f"-n{samples}-t{temperature:g}"
    return slug(name)


def _headline(rows, out_dir: Path, run_id: str | None, settings) -> str:
    from dspy_coder.bench.report import markdown_table

    text = markdown_table(rows) + f"\nResults: {out_dir}\n"
    if run_id and settings.tracking_uri.startswith(("http://", "https://")):
        text += f"MLflow run {run_id}: open {settings.tracking_uri}\n"  # a tracking server
    elif run_id:
        text += (
            f"MLflow run {run_id}: mlflow ui --backend-store-uri {settings.tracking_uri} "
            "--host 127.0.0.1\n"
        )
    return text


def _report(args: argparse.Namespace) -> int:
    from dspy_coder.bench.manifest import read_manifest
    from dspy_coder.bench.plots import write_plots
    from dspy_coder.bench.report import markdown_table, summarise, write_summary
    from dspy_coder.bench.store import read_records

    if not args.runs:
        raise UsageError("'bench report' needs at least one run directory.")
    for run_dir in args.runs:
        if not (run_dir / "results.jsonl").is_file():
            raise UsageError(f"{run_dir} has no results.jsonl.")
        records = read_records(run_dir / "results.jsonl")
        rows = summarise(records)
        manifest = read_manifest(run_dir)
        write_summary(
            rows, run_dir, manifest=manifest, expected_units=manifest.get("expected_units")
        )
        write_plots(records, rows, run_dir / "plots")
        sys.stdout.write(f"## {run_dir}\n\n{markdown_table(rows)}\n")
    return 0


def _select_problems(args: argparse.Namespace) -> list:
    """The problems picked by --dataset (--strip-examples, --datasets-dir), --ids, --split
    (with --split-seed), --stride, --limit."""
    from dspy_coder.datasets import (
        DEFAULT_SPLIT_SEED,
        load_problems,
        select_problems,
        strip_doc_examples,
    )

    if args.strip_examples and args.dataset.lower() == "mbpp-evalplus":
        raise UsageError(
            "--strip-examples: mbpp-evalplus is MBPP with one assert shown; MBPP without it is "
            "--dataset mbpp."
        )
    if args.strip_examples and args.dataset.lower() == "mbpp":
        raise UsageError(
            "--strip-examples: MBPP prompts bring no examples to strip (the task sentence and "
            "the signature only); run --dataset mbpp without it."
        )
    if args.strip_examples and args.dataset.lower() == "classeval":
        raise UsageError(
            "--strip-examples removes the examples of one function; ClassEval's are spread over "
            "a class's methods and are not stripped. Run --dataset classeval without it."
        )
    problems = load_problems(args.dataset, datasets_dir=args.datasets_dir)
    if args.strip_examples:
        problems = strip_doc_examples(problems)
    return select_problems(
        problems,
        ids=_split_list(args.ids) or None,
        split=args.split,
        stride=args.stride,
        limit=args.limit,
        seed=DEFAULT_SPLIT_SEED if args.split_seed is None else args.split_seed,
    )


def _selected_ids(args: argparse.Namespace) -> set[str] | None:
    """For compare: the task ids the selection flags pick, or None when none was given."""
    if not (args.ids or args.split or args.stride != 1 or args.limit):
        return None
    return {p.task_id for p in _select_problems(args)}


def _compare(args: argparse.Namespace) -> int:
    from dspy_coder.bench.compare import compare_runs

    comparison = compare_runs(args.runs, out_dir=args.out, only=_selected_ids(args), pool=args.pool)
    sys.stdout.write(comparison.markdown)
    if args.out:
        sys.stdout.write(f"\nWrote {args.out / 'comparison.md'} and plots.\n")
    return 0


def _merge(args: argparse.Namespace) -> int:
    from dspy_coder.bench.merge import merge_shards
    from dspy_coder.bench.report import markdown_table

    if not args.runs or args.out is None:
        raise UsageError("'bench merge' needs the shard folders and --out RUN_DIR.")
    merged = merge_shards(args.runs, args.out)
    sys.stdout.write(
        f"## {args.out}\n\n{markdown_table(merged.rows)}\n"
        f"Merged {merged.added} new answers from {len(args.runs)} shard folders "
        f"({merged.answers} in all).\n"
    )
    return 0
