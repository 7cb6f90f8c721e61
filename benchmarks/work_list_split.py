"""The pipeline against the baseline, split by where the pipeline can differ (no LM calls).

The pipeline's first draft is the single-shot baseline's call, so on a problem whose baseline
answer passes its own docstring examples the pipeline normally stops where the baseline does.
It spends more only on the "work list": problems whose baseline answer fails its docstring
examples, or that have none. This script recomputes that list from the baseline's answers and
the prompts' examples (run in the sandbox; never the hidden tests), then prints one Markdown
table: problems, pass@1 of each, gained / lost with the exact McNemar p, and mean cost, for the
work list, the rest, and all problems both runs answered.

Example (the committed full run):
    .venv/bin/python benchmarks/work_list_split.py \\
        --baseline benchmarks/results/humaneval-all-baseline-qwen2.5-coder-1.5b \\
        --pipeline benchmarks/results/humaneval-all-coder-qwen2.5-coder-1.5b
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from dspy_coder import _env  # noqa: F401  (environment before litellm/mlflow)
from dspy_coder.bench.compare import resolve_results_file
from dspy_coder.bench.paired import PairedDifference, paired_difference
from dspy_coder.bench.store import ResultRecord, read_records
from dspy_coder.datasets import Problem, load_problems
from dspy_coder.errors import UsageError
from dspy_coder.pipeline.generation import example_check_program
from dspy_coder.sandbox.interpreter import SandboxInterpreter
from dspy_coder.task.doc_examples import extract_doc_examples

logger = logging.getLogger("work_list_split")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the baseline's run dir")
    parser.add_argument("--pipeline", type=Path, required=True, help="the pipeline's run dir")
    parser.add_argument("--dataset", default="humaneval", help="'humaneval' or a JSONL path")
    return parser.parse_args(argv)


def one_answer_each(path: Path) -> dict[str, ResultRecord]:
    """``task_id -> record`` of a run with one variant and one sample per problem."""
    records = read_records(resolve_results_file(path))
    variants = {r.variant for r in records}
    if len(variants) != 1:
        raise UsageError(f"{path} holds {len(variants)} variants ({', '.join(sorted(variants))});"
                         " pass a run directory with one.")
    answers = {r.task_id: r for r in records}
    if len(answers) != len(records):
        raise UsageError(f"{path} has several samples per problem; this compares pass@1 runs.")
    return answers


def needs_work(problem: Problem, baseline_code: str, interpreter: SandboxInterpreter) -> bool:
    """True when the problem has no docstring examples or the baseline's answer fails one."""
    examples = extract_doc_examples(problem.prompt, problem.entry_point)
    if not examples:
        return True
    try:
        interpreter.execute(example_check_program(baseline_code, problem.entry_point, examples))
    except Exception:  # noqa: BLE001  (any failure to run or to match is a failed example)
        return True
    return False


def work_list(problems: list[Problem], baseline: dict[str, ResultRecord]) -> set[str]:
    work: set[str] = set()
    with SandboxInterpreter() as interpreter:
        for problem in problems:
            if problem.task_id in baseline and needs_work(
                problem, baseline[problem.task_id].code, interpreter
            ):
                work.add(problem.task_id)
    return work


def table_row(name: str, ids: list[str], baseline: dict[str, ResultRecord],
              pipeline: dict[str, ResultRecord]) -> str:
    if not ids:
        return f"| {name} | 0 | | | | | |"
    difference = compare(ids, baseline, pipeline)
    count = len(ids)
    calls = sum(pipeline[i].cost.lm_calls for i in ids) / count
    tokens = sum(pipeline[i].cost.tokens for i in ids) / count
    return (
        f"| {name} | {count} | {sum(pipeline[i].passed for i in ids)}/{count} | "
        f"{sum(baseline[i].passed for i in ids)}/{count} | {difference.describe()} | "
        f"{calls:.1f} | {tokens:,.0f} |"
    )


def compare(ids: list[str], baseline: dict[str, ResultRecord],
            pipeline: dict[str, ResultRecord]) -> PairedDifference | None:
    """The pipeline against the baseline on ``ids`` (one answer each, so never ``None``)."""
    return paired_difference([baseline[i] for i in ids], [pipeline[i] for i in ids])


def report(args: argparse.Namespace) -> str:
    baseline, pipeline = one_answer_each(args.baseline), one_answer_each(args.pipeline)
    problems = load_problems(args.dataset)
    work = work_list(problems, baseline)
    both = [p.task_id for p in problems if p.task_id in baseline and p.task_id in pipeline]
    in_work = [i for i in both if i in work]
    rest = [i for i in both if i not in work]
    difference = compare(both, baseline, pipeline)
    short = sorted(work, key=lambda i: (len(i), i))
    return "\n".join([
        f"Work list ({len(work)} of {len(baseline)} baseline answers fail their docstring "
        f"examples or have none): {', '.join(short)}",
        "",
        "| problems | count | pipeline pass@1 | baseline pass@1 | gained / lost (McNemar p) "
        "| pipeline mean LM calls | pipeline mean tokens |",
        "|---|---|---|---|---|---|---|",
        table_row("work list", in_work, baseline, pipeline),
        table_row("the rest", rest, baseline, pipeline),
        table_row("all answered by both", both, baseline, pipeline),
        "",
        f"Gained: {', '.join(difference.gained) or 'none'}. "
        f"Lost: {', '.join(difference.lost) or 'none'}.",
    ])


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        text = report(parse_args(argv))
    except UsageError as exc:
        logger.error("%s", exc)
        return 2
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
