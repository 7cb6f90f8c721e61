"""Compiled vs uncompiled programs on held-out test splits, one table (resumable).

A thin driver over the CLI, so the figures come from the same code users run:

1. ``dspy-coder optimize`` for each optimizer (skipped when ``OUT/<optimizer>-<kind>/program.json``
   exists), compiled on the train/dev splits only;
2. ``dspy-coder bench --split test`` with the uncompiled variant and every compiled program on
   each ``--eval-data`` set's held-out split (``OUT/test-<kind>`` for HumanEval,
   ``OUT/test-<kind>-<set>`` for the others), each answer graded by the problem's hidden tests
   (resumable: finished answers are skipped);
3. ``OUT/<kind>.md``: per set and pooled over the sets, per program, test pass@1, the problems
   gained and lost against the uncompiled program (exact McNemar p), compile wall time and LM
   calls, and what the optimizer changed (demos, instructions).

Example (the run committed in ``benchmarks/results/optimizers-qwen2.5-coder-0.5b``):
    .venv/bin/python benchmarks/optimizers_compare.py --kind baseline \\
        --optimizers bootstrap,mipro,gepa --budget light --lm local:qwen2.5-coder-0.5b \\
        --teacher-lm local:qwen2.5-coder-1.5b --out benchmarks/results/optimizers-qwen2.5-coder-0.5b
    # issue #18's conditions: MBPP in the training data, a dev set focused on failing first
    # drafts, graded on both held-out sets
    .venv/bin/python benchmarks/optimizers_compare.py --kind coder --optimizers gepa \
        --lm local:qwen2.5-coder-1.5b --teacher-lm local:qwen2.5-coder-1.5b \
        --train-data humaneval,mbpp-evalplus --dev-focus failing \
        --eval-data humaneval,mbpp-evalplus --out runs/compare-1.5b
    # only rewrite the table from what is on disk:
    .venv/bin/python benchmarks/optimizers_compare.py --kind baseline --table-only --out ...
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

from dspy_coder import _env  # noqa: F401  (environment before litellm/mlflow)
from dspy_coder.pipeline.config import PIPELINE_DEFAULTS

logger = logging.getLogger("optimizers_compare")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="baseline", choices=("baseline", "cot", "coder"))
    parser.add_argument("--optimizers", default="bootstrap,mipro,gepa",
                        help="comma-separated: bootstrap, random-search, mipro, gepa, simba")
    parser.add_argument("--budget", default="light", choices=("light", "medium", "heavy"))
    parser.add_argument("--lm", default="local:qwen2.5-coder-0.5b", help="the student LM")
    parser.add_argument("--teacher-lm", default=None)
    parser.add_argument("--limit", type=int, default=None, help="first N test problems only")
    parser.add_argument("--drafts", type=int, default=PIPELINE_DEFAULTS["drafts"],
                        help="--kind coder: the pipeline's --drafts, for compiling and for "
                        "grading every program (default %(default)s; the committed results "
                        "used 0)")
    parser.add_argument("--train-data", default="humaneval",
                        help="optimize --train-data: the sets whose train/dev splits compile "
                        "(default %(default)s)")
    parser.add_argument("--dev-focus", default="none", choices=("none", "failing"),
                        help="optimize --dev-focus (default %(default)s)")
    parser.add_argument("--call-penalty", type=float, default=0.0,
                        help="optimize --call-penalty (default %(default)s)")
    parser.add_argument("--eval-data", default="humaneval",
                        help="comma-separated sets whose held-out test splits grade every "
                        "program (default %(default)s); e.g. humaneval,mbpp-evalplus")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tracking-uri", default="sqlite:///mlflow.db")
    parser.add_argument("--table-only", action="store_true",
                        help="only rewrite OUT/<kind>.md from the files on disk")
    return parser.parse_args(argv)


def cli(*words: str) -> None:
    """Run ``dspy-coder WORDS`` in a child process; a failure stops the driver."""
    command = [sys.executable, "-m", "dspy_coder.cli", *words]
    logger.info("$ dspy-coder %s", " ".join(words))
    completed = subprocess.run(command, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"dspy-coder {words[0]} failed with exit code {completed.returncode}")


def pipeline_words(args: argparse.Namespace) -> list[str]:
    """The pipeline flags for a coder comparison: stated, so the uncompiled pipeline and every
    compiled one (whose sidecar the flags override) run the same way whatever the default."""
    return ["--drafts", str(args.drafts)] if args.kind == "coder" else []


def compile_all(args: argparse.Namespace, optimizers: list[str]) -> list[Path]:
    dirs = []
    for optimizer in optimizers:
        out = args.out / f"{optimizer}-{args.kind}"
        dirs.append(out)
        if (out / "program.json").is_file():
            logger.info("Reusing %s", out)
            continue
        teacher = ["--teacher-lm", args.teacher_lm] if args.teacher_lm else []
        cli("optimize", "--program", args.kind, *pipeline_words(args), "--optimizer", optimizer,
            "--budget", args.budget, "--lm", args.lm, *teacher, "--temperature", "0",
            "--threads", "1", "--no-final-eval", *compile_words(args), "--out", str(out),
            "--tracking-uri", args.tracking_uri)
    return dirs


def compile_words(args: argparse.Namespace) -> list[str]:
    """The compile conditions other than the optimizer: training sets, dev focus, call penalty."""
    words = ["--train-data", args.train_data]
    if args.dev_focus != "none":
        words += ["--dev-focus", args.dev_focus]
    if args.call_penalty:
        words += ["--call-penalty", str(args.call_penalty)]
    return words


def eval_sets(args: argparse.Namespace) -> list[str]:
    return [name.strip() for name in args.eval_data.split(",") if name.strip()]


def test_dir(args: argparse.Namespace, dataset: str) -> Path:
    """Where one set's held-out grading goes (HumanEval keeps the original folder name)."""
    suffix = "" if dataset == "humaneval" else f"-{dataset}"
    return args.out / f"test-{args.kind}{suffix}"


def grade_all(args: argparse.Namespace, program_dirs: list[Path]) -> None:
    programs = [word for d in program_dirs for word in ("--program", str(d / "program.json"))]
    limit = ["--limit", str(args.limit)] if args.limit else []
    for dataset in eval_sets(args):
        cli("bench", "--dataset", dataset, "--split", "test", "--variant", args.kind, *programs,
            *pipeline_words(args), *limit, "--lm", args.lm, "--temperature", "0",
            "--out", str(test_dir(args, dataset)), "--tracking-uri", args.tracking_uri)


def changes(kind: str, program_dir: Path) -> str:
    """What the optimizer changed: demos per predictor and rewritten instructions."""
    from dspy_coder.pipeline.programs import make_program

    before = make_program(kind).dump_state()
    after = json.loads((program_dir / "program.json").read_text(encoding="utf-8"))
    parts = []
    for name, state in after.items():
        if not isinstance(state, dict) or "signature" not in state:
            continue
        demos = len(state.get("demos", []))
        old = before.get(name, {}).get("signature", {}).get("instructions")
        rewritten = state["signature"].get("instructions") != old
        if demos or rewritten:
            parts.append(f"{name}: {demos} demos" + (", new instructions" if rewritten else ""))
    return "; ".join(parts) or "nothing"


def row_labels(args: argparse.Namespace, optimizers: list[str]) -> tuple[str, list[str]]:
    """The bench labels of the uncompiled program and of each compiled one (``coder`` or
    ``coder-drafts4``; ``coder@gepa-coder`` or ``coder@gepa-coder-drafts4``). A compiled
    pipeline's sidecar holds the pipeline it was compiled with, which ``pipeline_words``
    overrides, so both carry the same option suffix."""
    from dspy_coder.bench.variants import VariantSpec, resolve_variant

    pipeline = {"drafts": args.drafts} if args.kind == "coder" else {}
    uncompiled = resolve_variant(args.kind, pipeline)
    compiled = [VariantSpec(kind=args.kind, options=uncompiled.options,
                            name=f"{args.kind}@{o}-{args.kind}").label for o in optimizers]
    return uncompiled.label, compiled


def write_table(args: argparse.Namespace, optimizers: list[str]) -> Path:
    from dspy_coder.bench.store import read_records

    sets = {dataset: read_records(test_dir(args, dataset) / "results.jsonl")
            for dataset in eval_sets(args) if (test_dir(args, dataset) / "results.jsonl").is_file()}
    manifest = _read_json(test_dir(args, eval_sets(args)[0]) / "manifest.json")
    lines = [
        f"# {args.kind}: compiled vs uncompiled on held-out test splits",
        "",
        f"- Student LM: {args.lm}; teacher LM: {args.teacher_lm or 'the student'}; "
        f"budget `{args.budget}`; greedy decoding; compiled with "
        f"`{' '.join(compile_words(args))}`.",
        f"- Graded by the hidden tests; test-split problems never reach a compile. Commit "
        f"{manifest.get('commit', '?')}, machine {manifest.get('machine', '?')}, "
        f"updated {manifest.get('updated_at', '?')}.",
        f"- Table written by `python benchmarks/optimizers_compare.py --kind {args.kind} "
        f"{' '.join([*pipeline_words(args), ''])}--eval-data {args.eval_data} "
        f"--table-only --out {args.out}`.",
    ]
    for dataset, records in sets.items():
        lines += ["", f"## {dataset} test split", "", *_table(args, optimizers, records)]
    if len(sets) > 1:
        pooled = [record for records in sets.values() for record in records]
        lines += ["", f"## Pooled: {' + '.join(sets)}", "", *_table(args, optimizers, pooled)]
    path = args.out / f"{args.kind}.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _table(args: argparse.Namespace, optimizers: list[str], records: list[Any]) -> list[str]:
    """One program per row on these graded answers, paired with the uncompiled program."""
    from dspy_coder.bench.paired import paired_difference
    from dspy_coder.bench.report import summarise

    by_variant: dict[str, list[Any]] = {}
    for record in records:
        by_variant.setdefault(record.variant, []).append(record)
    rows = {row.variant: row for row in summarise(records)}
    uncompiled, compiled = row_labels(args, optimizers)
    reference = by_variant.get(uncompiled, [])
    labels = [uncompiled, *compiled]
    answered = [{r.task_id for r in by_variant[label]} for label in labels if label in by_variant]
    common = set.intersection(*answered) if answered else set()
    lines = [
        f"| program | test problems | pass@1 | pass@1 on the {len(common)} problems every row "
        "answered | vs uncompiled: gained / lost (McNemar p) | compile s | compile LM calls | "
        "mean LM calls | mean tokens | what changed |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    details = []
    for label, optimizer in [(uncompiled, None), *zip(compiled, optimizers, strict=True)]:
        row = rows.get(label)
        if row is None:
            lines.append(f"| {label} | not graded yet | | | | | | | | |")
            continue
        difference = paired_difference(reference, by_variant[label]) if optimizer else None
        compile_s = calls = changed = ""
        if optimizer:
            program_dir = args.out / f"{optimizer}-{args.kind}"
            meta = _read_json(program_dir / "program.meta.json")
            compile_s = f"{meta.get('compile_seconds', '?')}"
            by_lm = (meta.get("lm_calls") or {}).get("compile_by_lm") or {}
            calls = ", ".join(f"{n} {lm.split('/')[-1]}" for lm, n in by_lm.items())
            changed = changes(args.kind, program_dir)
            if meta.get("interrupted"):
                changed += " (compile interrupted: best so far)"
        passed = round(row.pass_at_1 * row.problems)
        on_common = sum(r.passed for r in by_variant[label] if r.task_id in common)
        lines.append(
            f"| {label} | {row.problems} | {passed}/{row.problems} = {100 * row.pass_at_1:.1f}% | "
            f"{on_common}/{len(common)} | "
            f"{difference.describe() if difference else '(reference)'} | {compile_s} | {calls} | "
            f"{row.mean_lm_calls:.1f} | {row.mean_prompt_tokens + row.mean_completion_tokens:.0f}"
            f" | {changed} |"
        )
        if difference and (difference.gained or difference.lost):
            details.append(f"- {label}: gained {', '.join(difference.gained) or 'none'}; "
                           f"lost {', '.join(difference.lost) or 'none'}")
    return [*lines, *([""] + details if details else [])]


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    from dspy_coder.optimizers.registry import resolve_optimizer

    optimizers = [resolve_optimizer(name) for name in args.optimizers.split(",") if name.strip()]
    if not args.table_only:
        args.out.mkdir(parents=True, exist_ok=True)
        grade_all(args, compile_all(args, optimizers))
    table = write_table(args, optimizers)
    sys.stdout.write(table.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
