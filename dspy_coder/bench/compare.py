"""Put several benchmark runs side by side.

Runs may cover different problems (a full run vs the every-8th subset), so besides each row's
own pass@1 the table gives pass@1 on the problems that every compared row answered, the only
fair head-to-head number. Each row after the first is also paired with the first row problem by
problem: the problems it gains and loses, with the exact McNemar p-value (``bench/paired.py``).

Example:
    >>> runs = [Path("benchmarks/results/a"), Path("benchmarks/results/b")]
    >>> print(compare_runs(runs).markdown)                  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dspy_coder.bench.paired import PairedDifference, paired_difference
from dspy_coder.bench.passk import mean_pass_at_k
from dspy_coder.bench.report import VariantSummary, summarise
from dspy_coder.bench.runner import RESULTS_FILE
from dspy_coder.bench.store import ResultRecord, read_records
from dspy_coder.durable_files import write_text_atomic
from dspy_coder.errors import UsageError


@dataclass
class Comparison:
    runs: list[str]
    rows: list[VariantSummary]
    common_problems: list[str]
    common_pass_at_1: list[float | None]
    paired: list[PairedDifference | None] = field(default_factory=list)  # vs the first row
    markdown: str = ""
    plots: list[Path] = field(default_factory=list)


def resolve_results_file(run: Path) -> Path:
    """A run directory or its results JSONL."""
    path = run / RESULTS_FILE if run.is_dir() else run
    if not path.is_file():
        raise UsageError(
            f"No results at {path}: pass a run directory (with {RESULTS_FILE}) or "
            "a results JSONL file."
        )
    return path


def run_name(run: Path) -> str:
    return run.name if run.is_dir() else run.parent.name


def _common_pass_at_1(records: list[ResultRecord], common: set[str]) -> float | None:
    per_problem: dict[str, list[bool]] = {}
    for record in records:
        if record.task_id in common:
            per_problem.setdefault(record.task_id, []).append(record.passed)
    if not per_problem:
        return None
    return mean_pass_at_k([(len(v), sum(v)) for v in per_problem.values()], k=1)


def compare_runs(
    runs: Sequence[Path],
    out_dir: Path | None = None,
    only: Collection[str] | None = None,
    pool: bool = False,
) -> Comparison:
    """Summarise each run, compute pass@1 on common problems, render Markdown (and plots).

    ``only``: compare on these task ids alone (e.g. the every-8th subset of full runs).
    ``pool``: read the runs as one run (their problems must not overlap).
    """
    if not runs:
        raise UsageError("Give at least one run directory to compare.")
    names: list[str] = []
    rows: list[VariantSummary] = []
    row_records: list[list[ResultRecord]] = []
    for name, records in _named_records(runs, pool):
        if only is not None:
            records = [r for r in records if r.task_id in only]
        for row in summarise(records):
            names.append(name)
            rows.append(row)
            row_records.append(
                [
                    r
                    for r in records
                    if (r.variant, r.lm, r.program_fingerprint)
                    == (row.variant, row.lm, row.program_fingerprint)
                ]
            )
    if not rows:
        raise UsageError("The given runs have no results yet.")
    common = set(rows[0].task_ids).intersection(*(set(r.task_ids) for r in rows[1:]))
    common_scores = [_common_pass_at_1(recs, common) for recs in row_records]
    paired = [None] + [paired_difference(row_records[0], recs) for recs in row_records[1:]]
    comparison = Comparison(
        runs=names,
        rows=rows,
        common_problems=sorted(common),
        common_pass_at_1=common_scores,
        paired=paired,
    )
    comparison.markdown = render_markdown(comparison)
    if out_dir is not None:
        from dspy_coder.bench.plots import plot_accuracy_vs_cost, plot_pass_at_1

        out_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out_dir / "comparison.md", comparison.markdown)
        comparison.plots = [
            plot_pass_at_1(
                rows,
                out_dir / "comparison_pass_at_1.png",
                runs=names,
                title="pass@1 per run and variant",
            ),
            plot_accuracy_vs_cost(rows, out_dir / "comparison_accuracy_vs_cost.png", runs=names),
        ]
    return comparison


def _named_records(runs: Sequence[Path], pool: bool) -> list[tuple[str, list[ResultRecord]]]:
    """Each run's records under its name, or all of them under one name when pooled."""
    named = [(run_name(Path(run)), read_records(resolve_results_file(Path(run)))) for run in runs]
    if not pool:
        return named
    owner: dict[str, str] = {}
    for name, records in named:
        for record in records:
            first = owner.setdefault(record.task_id, name)
            if first != name:
                raise UsageError(
                    f"Cannot pool {first} and {name}: both answer {record.task_id}. Pool runs "
                    "over different problems (e.g. a HumanEval and an MBPP half), or compare "
                    "them without --pool."
                )
    return [(" + ".join(name for name, _ in named), [r for _, recs in named for r in recs])]


def render_markdown(comparison: Comparison) -> str:
    head = [
        "run",
        "variant",
        "LM",
        "problems",
        "pass@1",
        f"pass@1 on common ({len(comparison.common_problems)})",
        "LM calls",
        "tokens",
        "wall s",
        "iterations",
        "vs first row: gained / lost (McNemar p)",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    paired = comparison.paired or [None] * len(comparison.rows)
    for name, row, common, difference in zip(
        comparison.runs, comparison.rows, comparison.common_pass_at_1, paired, strict=True
    ):
        lines.append(
            "| "
            + " | ".join(
                [
                    name,
                    row.variant,
                    row.lm,
                    str(row.problems),
                    f"{100 * row.pass_at_1:.1f}%",
                    "" if common is None else f"{100 * common:.1f}%",
                    f"{row.mean_lm_calls:.1f}",
                    f"{row.mean_tokens:.0f}",
                    f"{row.mean_wall_time_s:.1f}",
                    f"{row.mean_iterations:.2f}",
                    "" if difference is None else difference.describe(),
                ]
            )
            + " |"
        )
    notes = [
        f"- {name} / {row.variant}: gained {', '.join(d.gained) or 'none'}; "
        f"lost {', '.join(d.lost) or 'none'} (on {d.problems} common problems); "
        f"{d.describe_calls()}"
        for name, row, d in zip(comparison.runs, comparison.rows, paired, strict=True)
        if d is not None and (d.gained or d.lost or d.fewer_calls or d.more_calls)
    ]
    if notes:
        lines += ["", "Problems that differ from the first row:", "", *notes]
    return "\n".join(lines) + "\n"
