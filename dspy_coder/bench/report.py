"""Summaries of benchmark results: pass@k and mean cost per variant, as JSON and Markdown.

Rows are grouped by (variant, LM, program fingerprint). pass@k uses the unbiased estimator
over problems; cost figures are means per answer (one sample of one problem), taken over the
answers whose LM calls all ran (a DSPy cache hit costs nothing and would flatter the mean);
``cached_answers`` says how many answers were left out for that reason.

Class-level problem sets (ClassEval) get ClassEval's two measures: pass@k is class level (an
answer passes when every test class of its task passes), and ``method_level`` counts test
classes over all answers (method-level pass@1); answers that need data this machine lacks are
counted and named. Rows of other sets are written exactly as before.

Example:
    >>> rows = summarise(read_records(Path("benchmarks/results/x/results.jsonl")))  # doctest: +SKIP
    >>> print(markdown_table(rows))                                                 # doctest: +SKIP
    | variant | LM | problems | samples | pass@1 | ...
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from dspy_coder.bench.passk import feasible_ks, mean_pass_at_k
from dspy_coder.bench.store import MISSING_DATA_STATUS, ResultRecord
from dspy_coder.durable_files import write_text_atomic


class MethodLevel(BaseModel):
    """ClassEval's method-level measure over one row's answers to class-level problems."""

    test_classes_passed: int
    test_classes_total: int
    missing_data_answers: int = Field(
        default=0,
        description="Answers that could not be graded here: their tests need NLTK data that "
        "is not installed (counted as not passed).",
    )
    missing_data_task_ids: list[str] = Field(default_factory=list)

    @property
    def pass_at_1(self) -> float:
        """Test classes passed over all test classes of every answer."""
        total = self.test_classes_total
        return self.test_classes_passed / total if total else 0.0


class VariantSummary(BaseModel):
    """One row of a results table."""

    variant: str
    lm: str
    program_fingerprint: str
    problems: int
    samples_per_problem: int = Field(description="Smallest number of samples over problems.")
    answers: int
    pass_at: dict[str, float] = Field(description="{'1': 0.61, '5': 0.8}: unbiased pass@k.")
    solved: int = Field(description="Problems with at least one passing sample.")
    program_errors: int = 0
    harness_errors: int = Field(
        default=0,
        description="Answers the sandbox infrastructure failed to run or grade (not passed).",
    )
    no_code: int = 0
    timeouts: int = 0
    cached_answers: int = Field(
        default=0, description="Answers with a DSPy cache hit, left out of the cost means."
    )
    mean_lm_calls: float = 0.0
    mean_prompt_tokens: float = 0.0
    mean_completion_tokens: float = 0.0
    mean_wall_time_s: float = 0.0
    mean_iterations: float = 0.0
    total_wall_time_s: float = 0.0
    task_ids: list[str] = Field(default_factory=list)
    passed_task_ids: list[str] = Field(
        default_factory=list, description="Problems whose first sample passed."
    )
    claimed_success: int = Field(
        default=0, description="Answers the program itself called a success (report status)."
    )
    claimed_success_passed: int = Field(
        default=0, description="Of those, the answers the hidden tests pass."
    )
    passed_answers: int = Field(default=0, description="Answers the hidden tests pass.")
    verdicts: int = Field(default=0, description="Answers with a verdict of the program's own.")
    method_level: MethodLevel | None = Field(
        default=None, description="Class-level problems only: test classes passed (ClassEval)."
    )

    @model_serializer(mode="wrap")
    def _leave_out_unused_method_level(self, handler: SerializerFunctionWrapHandler) -> dict:
        """Summaries of function-level problem sets stay as they were."""
        data = handler(self)
        if data.get("method_level", 0) is None:
            del data["method_level"]
        return data

    @property
    def verdict_precision(self) -> float | None:
        """Of the answers the program called a success, the share the hidden tests pass."""
        return self.claimed_success_passed / self.claimed_success if self.claimed_success else None

    @property
    def verdict_recall(self) -> float | None:
        """Of the answers the hidden tests pass, the share the program called a success."""
        return self.claimed_success_passed / self.passed_answers if self.passed_answers else None

    @property
    def pass_at_1(self) -> float:
        return self.pass_at["1"]

    @property
    def mean_tokens(self) -> float:
        return self.mean_prompt_tokens + self.mean_completion_tokens


def _mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else 0.0


def summarise(records: Iterable[ResultRecord]) -> list[VariantSummary]:
    """Group records by (variant, LM, fingerprint) and compute pass@k and mean cost."""
    groups: dict[tuple[str, str, str], list[ResultRecord]] = defaultdict(list)
    for record in records:
        groups[(record.variant, record.lm, record.program_fingerprint)].append(record)
    rows = [_summarise_group(key, group) for key, group in groups.items()]
    return sorted(rows, key=lambda r: (r.lm, r.variant))


def _summarise_group(key: tuple[str, str, str], records: list[ResultRecord]) -> VariantSummary:
    per_problem: dict[str, list[ResultRecord]] = defaultdict(list)
    for record in records:
        per_problem[record.task_id].append(record)
    counts = [(len(rs), sum(r.passed for r in rs)) for rs in per_problem.values()]
    ks = feasible_ks([n for n, _ in counts])
    first_passed = sorted(
        task for task, rs in per_problem.items() if min(rs, key=lambda r: r.sample).passed
    )
    fresh = [r for r in records if not r.cost.cached_calls] or records
    return VariantSummary(
        variant=key[0],
        lm=key[1],
        program_fingerprint=key[2],
        problems=len(per_problem),
        samples_per_problem=min(n for n, _ in counts),
        answers=len(records),
        # six digits: rounded to four, 102 of 171 (59.649%) was stored as 0.5965 and shown 59.7%
        pass_at={str(k): round(mean_pass_at_k(counts, k), 6) for k in ks},
        solved=sum(c > 0 for _, c in counts),
        program_errors=sum(bool(r.program_error) for r in records),
        harness_errors=sum(bool(r.harness_error) for r in records),
        no_code=sum(r.grade_status == "no_code" for r in records),
        timeouts=sum(r.grade_status == "timeout" for r in records),
        cached_answers=sum(bool(r.cost.cached_calls) for r in records),
        mean_lm_calls=round(_mean([r.cost.lm_calls for r in fresh]), 2),
        mean_prompt_tokens=round(_mean([r.cost.prompt_tokens for r in fresh]), 1),
        mean_completion_tokens=round(_mean([r.cost.completion_tokens for r in fresh]), 1),
        mean_wall_time_s=round(_mean([r.cost.wall_time_s for r in fresh]), 2),
        mean_iterations=round(_mean([r.cost.iterations for r in fresh]), 2),
        total_wall_time_s=round(sum(r.cost.wall_time_s for r in records), 1),
        task_ids=sorted(per_problem),
        passed_task_ids=first_passed,
        claimed_success=sum(r.report_status == "success" for r in records),
        claimed_success_passed=sum(r.report_status == "success" and r.passed for r in records),
        passed_answers=sum(r.passed for r in records),
        verdicts=sum(bool(r.report_status) for r in records),
        method_level=_method_level(records),
    )


def _method_level(records: list[ResultRecord]) -> MethodLevel | None:
    """Test classes over the answers to class-level problems; None if there are none."""
    graded = [r for r in records if r.test_classes_total is not None]
    if not graded:
        return None
    missing = [r for r in graded if r.grade_status == MISSING_DATA_STATUS]
    return MethodLevel(
        test_classes_passed=sum(r.test_classes_passed or 0 for r in graded),
        test_classes_total=sum(r.test_classes_total or 0 for r in graded),
        missing_data_answers=len(missing),
        missing_data_task_ids=sorted({r.task_id for r in missing}),
    )


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _verdict(row: VariantSummary) -> str:
    """How far the program's own "success" agrees with the hidden tests ('' for programs that
    give no verdict, such as the single-shot baseline)."""
    if not row.verdicts:
        return ""
    shown = [_pct(x) if x is not None else "n/a"
             for x in (row.verdict_precision, row.verdict_recall)]
    return f"{row.claimed_success} ({shown[0]} / {shown[1]})"


def markdown_table(rows: Sequence[VariantSummary], run: str | None = None) -> str:
    """A Markdown table: one line per variant, pass@k columns for every k any row has."""
    ks = sorted({int(k) for row in rows for k in row.pass_at}) or [1]
    class_level = any(row.method_level is not None for row in rows)
    head = (["run"] if run is not None else []) + ["variant", "LM", "problems", "samples"]
    head += [f"class-level pass@{k}" if class_level else f"pass@{k}" for k in ks]
    head += ["method-level pass@1"] if class_level else []
    head += ["LM calls", "prompt tok", "completion tok", "wall s", "iterations", "errors",
             "cached", "own success (precision / recall)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = ([run] if run is not None else []) + [
            row.variant,
            row.lm,
            str(row.problems),
            str(row.samples_per_problem),
        ]
        cells += [_pct(row.pass_at[str(k)]) if str(k) in row.pass_at else "" for k in ks]
        cells += [_method_cell(row.method_level)] if class_level else []
        cells += [
            f"{row.mean_lm_calls:.1f}",
            f"{row.mean_prompt_tokens:.0f}",
            f"{row.mean_completion_tokens:.0f}",
            f"{row.mean_wall_time_s:.1f}",
            f"{row.mean_iterations:.2f}",
            str(row.program_errors),
            str(row.cached_answers),
            _verdict(row),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _method_cell(level: MethodLevel | None) -> str:
    if level is None:
        return ""
    return f"{_pct(level.pass_at_1)} ({level.test_classes_passed}/{level.test_classes_total})"


def write_summary(
    rows: Sequence[VariantSummary],
    out_dir: Path,
    manifest: dict | None = None,
    expected_units: int | None = None,
) -> tuple[Path, Path]:
    """Write ``summary.json`` and ``table.md`` into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    answers = sum(r.answers for r in rows)
    harness_errors = sum(r.harness_errors for r in rows)
    complete = expected_units is None or answers >= expected_units
    payload = {
        "complete": complete,
        "expected_units": expected_units,
        "answers": answers,
        "harness_errors": harness_errors,
        "manifest": manifest or {},
        "variants": [row.model_dump() for row in rows],
    }
    summary_path = out_dir / "summary.json"
    write_text_atomic(summary_path, json.dumps(payload, indent=2) + "\n")
    table = markdown_table(rows)
    header = _table_header(manifest or {}, complete, answers, expected_units, harness_errors)
    header += _class_level_notes(rows)
    table_path = out_dir / "table.md"
    write_text_atomic(table_path, header + table)
    return summary_path, table_path


def _class_level_notes(rows: Sequence[VariantSummary]) -> str:
    """For class-level problem sets: what the two measures are, and which answers could not be
    graded here ('' for other sets)."""
    levels = [row.method_level for row in rows if row.method_level is not None]
    if not levels:
        return ""
    lines = [
        "Class-level pass@k: every hidden test class of the task passes. Method-level pass@1: "
        "hidden test",
        "classes passed over all test classes of every answer (about one class per method). "
        "Both are ClassEval's measures.",
    ]
    missing = sum(level.missing_data_answers for level in levels)
    if missing:
        ids = sorted({task for level in levels for task in level.missing_data_task_ids})
        lines += [
            "",
            f"Missing data: {missing} answer(s) could not be graded on this machine "
            f"({', '.join(ids)}): their tests need NLTK data that is not installed and cannot "
            "be downloaded here; counted as not passed.",
        ]
    return "\n".join(lines) + "\n\n"


def _table_header(
    manifest: dict, complete: bool, answers: int, expected: int | None, harness_errors: int = 0
) -> str:
    lines = [f"# Benchmark: {manifest.get('name', 'results')}", ""]
    for label, key in (
        ("Date (UTC)", "updated_at"),
        ("Machine", "machine"),
        ("LM", "lm"),
        ("Commit", "commit"),
        ("Command", "command"),
    ):
        if manifest.get(key):
            value = manifest[key]
            lines.append(f"- {label}: `{value}`" if key == "command" else f"- {label}: {value}")
    state = "complete" if complete else f"INCOMPLETE ({answers}/{expected} answers so far)"
    lines.append(f"- State: {state}")
    if harness_errors:
        lines.append(
            f"- Harness failures: {harness_errors} answer(s) the sandbox failed to run or grade, "
            "counted as not passed (`--retry-errors` redoes them)"
        )
    lines += [
        "",
        "Costs are means per answer (one sample of one problem) over the answers that made every",
        "LM call (DSPy cache hits are left out of the means); wall s is generation time.",
        "",
    ]
    return "\n".join(lines) + "\n"
