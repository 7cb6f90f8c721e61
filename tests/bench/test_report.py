"""Summaries, tables, plots and comparisons from hand-made records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dspy_coder.bench.compare import compare_runs
from dspy_coder.bench.plots import score_curves, write_plots
from dspy_coder.bench.report import markdown_table, summarise, write_summary
from dspy_coder.bench.store import RecordCost, ResultRecord, ResultsStore
from dspy_coder.errors import UsageError


def rec(
    task: str,
    variant: str = "baseline",
    sample: int = 0,
    passed: bool = True,
    calls: int = 1,
    tokens: tuple[int, int] = (100, 50),
    wall: float = 2.0,
    history: list[float] | None = None,
    lm: str = "local:m",
) -> ResultRecord:
    return ResultRecord(
        task_id=task,
        variant=variant,
        program_fingerprint="fp",
        lm=lm,
        sample=sample,
        passed=passed,
        grade_status="passed" if passed else "failed",
        cost=RecordCost(
            lm_calls=calls,
            prompt_tokens=tokens[0],
            completion_tokens=tokens[1],
            wall_time_s=wall,
            iterations=len(history or [1]),
        ),
        score_history=history or [],
    )


def test_table_percent_is_rounded_once():
    """102 of 171 is 59.649%: the table says 59.6%, not 59.7% from a stored 0.5965."""
    records = [rec(f"T/{i}", passed=i < 102) for i in range(171)]
    table = markdown_table(summarise(records))
    assert "| 59.6% |" in table and "59.7%" not in table


def test_summary_pass_at_1_and_mean_cost():
    records = [
        rec("T/0"),
        rec("T/1", passed=False, calls=3, tokens=(300, 150), wall=4.0),
        rec("T/0", "coder", history=[0.2, 1.0]),
        rec("T/1", "coder", history=[0.5]),
    ]
    rows = {r.variant: r for r in summarise(records)}
    assert rows["baseline"].pass_at == {"1": 0.5}
    assert rows["baseline"].problems == 2 and rows["baseline"].solved == 1
    assert rows["baseline"].mean_lm_calls == 2.0
    assert rows["baseline"].mean_prompt_tokens == 200.0
    assert rows["baseline"].mean_wall_time_s == 3.0
    assert rows["coder"].pass_at_1 == 1.0
    assert rows["coder"].mean_iterations == 1.5
    assert rows["baseline"].passed_task_ids == ["T/0"]


def test_pass_at_k_with_samples():
    records = [rec("T/0", sample=s, passed=s < 2) for s in range(5)]  # 2 of 5 pass
    records += [rec("T/1", sample=s, passed=False) for s in range(5)]
    (row,) = summarise(records)
    assert set(row.pass_at) == {"1", "5"}
    assert row.pass_at["1"] == pytest.approx((0.4 + 0.0) / 2)
    assert row.pass_at["5"] == pytest.approx(0.5)
    assert row.samples_per_problem == 5


def test_markdown_and_summary_files(tmp_path: Path):
    rows = summarise([rec("T/0"), rec("T/1", passed=False)])
    table = markdown_table(rows)
    assert "| baseline | local:m | 2 | 1 | 50.0% |" in table
    summary, md = write_summary(
        rows,
        tmp_path,
        manifest={"name": "x", "commit": "abc123", "command": "dspy-coder bench"},
        expected_units=4,
    )
    data = json.loads(summary.read_text())
    assert data["complete"] is False and data["answers"] == 2
    assert data["variants"][0]["pass_at"] == {"1": 0.5}
    text = md.read_text()
    assert "INCOMPLETE (2/4" in text and "abc123" in text and "`dspy-coder bench`" in text


def test_score_curves_carry_the_best_so_far():
    curves = score_curves(
        [
            rec("T/0", "coder", history=[0.2, 1.0]),
            rec("T/1", "coder", history=[0.6]),
            rec("T/2", "coder", history=[0.8, 0.4, 0.5]),
        ]
    )
    assert curves["coder"] == pytest.approx(
        [(0.2 + 0.6 + 0.8) / 3, (1.0 + 0.6 + 0.8) / 3, (1.0 + 0.6 + 0.8) / 3]
    )


def test_plots_are_written_as_png(tmp_path: Path):
    records = [rec("T/0"), rec("T/1", passed=False), rec("T/0", "coder", history=[0.3, 1.0])]
    paths = write_plots(records, summarise(records), tmp_path)
    assert sorted(p.name for p in paths) == [
        "accuracy_vs_cost.png",
        "pass_at_1.png",
        "score_over_iterations.png",
    ]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000
    without_pipeline = write_plots(records[:2], summarise(records[:2]), tmp_path / "b")
    assert "score_over_iterations.png" not in [p.name for p in without_pipeline]


def test_compare_uses_common_problems(tmp_path: Path):
    full, subset = tmp_path / "full", tmp_path / "subset"
    for record in [rec("T/0"), rec("T/1", passed=False), rec("T/2"), rec("T/3")]:
        ResultsStore(full / "results.jsonl").append(record)
    for record in [rec("T/0", "coder", passed=False), rec("T/1", "coder")]:
        ResultsStore(subset / "results.jsonl").append(record)
    comparison = compare_runs([full, subset], out_dir=tmp_path / "cmp")
    assert comparison.common_problems == ["T/0", "T/1"]
    assert [row.pass_at_1 for row in comparison.rows] == [0.75, 0.5]
    assert comparison.common_pass_at_1 == [0.5, 0.5]
    assert "| full | baseline | local:m | 4 | 75.0% | 50.0% |" in comparison.markdown
    assert comparison.paired[0] is None
    difference = comparison.paired[1]
    assert (difference.problems, difference.gained, difference.lost) == (2, ["T/1"], ["T/0"])
    assert "| +1 / -1 (p = 1.00) |" in comparison.markdown
    assert "- subset / coder: gained T/1; lost T/0 (on 2 common problems)" in comparison.markdown
    assert (tmp_path / "cmp" / "comparison.md").is_file()
    assert all(p.is_file() for p in comparison.plots)


def test_pooled_compare_reads_two_halves_as_one_run(tmp_path: Path):
    """Each half alone is +1 / -0 (p = 1.00); pooled, the same variant is one row and one test."""
    humaneval, mbpp = tmp_path / "heldout-humaneval", tmp_path / "heldout-mbpp"
    for folder, task, before, after, calls in [
        (humaneval, "HumanEval/0", False, True, 3),
        (humaneval, "HumanEval/1", True, True, 1),
        (mbpp, "Mbpp/2", False, True, 5),
        (mbpp, "Mbpp/3", True, False, 2),
    ]:
        ResultsStore(folder / "results.jsonl").append(rec(task, "coder", passed=before))
        ResultsStore(folder / "results.jsonl").append(
            rec(task, "compiled", passed=after, calls=calls)
        )
    comparison = compare_runs([humaneval, mbpp], pool=True)
    assert comparison.runs == ["heldout-humaneval + heldout-mbpp"] * 2
    assert [(row.variant, row.problems) for row in comparison.rows] == [
        ("coder", 4),
        ("compiled", 4),
    ]
    difference = comparison.paired[1]
    assert (difference.gained, difference.lost) == (["HumanEval/0", "Mbpp/2"], ["Mbpp/3"])
    assert (difference.fewer_calls, difference.more_calls) == (
        [],
        ["HumanEval/0", "Mbpp/2", "Mbpp/3"],
    )
    assert "fewer LM calls on 0, more on 3 (sign test p = 0.25)" in comparison.markdown
    unpooled = compare_runs([humaneval, mbpp])
    assert len(unpooled.rows) == 4 and unpooled.common_problems == []


def test_pooling_runs_that_answer_the_same_problem_is_refused(tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    ResultsStore(a / "results.jsonl").append(rec("T/0"))
    ResultsStore(b / "results.jsonl").append(rec("T/0", "coder"))
    with pytest.raises(UsageError, match="both answer T/0"):
        compare_runs([a, b], pool=True)


def test_cost_means_leave_out_cache_hits():
    fresh = rec("T/0", tokens=(300, 100), wall=10.0)
    hit = rec("T/1", tokens=(0, 0), wall=0.1)
    hit.cost.cached_calls = 1
    (row,) = summarise([fresh, hit])
    assert row.cached_answers == 1
    assert row.mean_prompt_tokens == 300
    assert row.mean_wall_time_s == 10.0
    assert row.pass_at_1 == 1.0  # accuracy still counts every answer
    assert row.problems == 2


def test_paired_difference_needs_one_sample_per_problem():
    from dspy_coder.bench.paired import paired_difference

    one = [rec("T/0", passed=False), rec("T/1"), rec("T/2", passed=False)]
    other = [
        rec("T/0", "coder"),
        rec("T/1", "coder", passed=False),
        rec("T/2", "coder"),
        rec("T/9", "coder"),
    ]
    difference = paired_difference(one, other)
    assert difference.problems == 3
    assert (difference.gained, difference.lost) == (["T/0", "T/2"], ["T/1"])
    two_samples = [rec("T/0", sample=0), rec("T/0", sample=1)]
    assert paired_difference(one, two_samples) is None


@pytest.mark.parametrize(
    ("gained", "lost", "expected"),
    [(0, 0, 1.0), (1, 0, 1.0), (5, 0, 0.0625), (9, 1, 0.021484375), (3, 3, 1.0)],
)
def test_exact_mcnemar_p_values(gained: int, lost: int, expected: float):
    from dspy_coder.bench.paired import mcnemar_exact

    assert mcnemar_exact(gained, lost) == pytest.approx(expected)


def test_the_programs_own_success_verdict_is_measured_against_the_hidden_tests():
    """Precision: of the answers it called a success, how many pass; recall: of the answers
    that pass, how many it called a success. A program without verdicts shows none."""
    statuses = [
        ("success", True),
        ("success", True),
        ("success", False),
        ("unverified", True),
        ("partial", False),
    ]
    records = [
        rec(f"T/{i}", variant="coder", passed=passed).model_copy(update={"report_status": status})
        for i, (status, passed) in enumerate(statuses)
    ]
    [row] = summarise(records)
    assert (row.claimed_success, row.claimed_success_passed, row.passed_answers) == (3, 2, 3)
    assert row.verdict_precision == pytest.approx(2 / 3)
    assert row.verdict_recall == pytest.approx(2 / 3)
    assert "| 3 (66.7% / 66.7%) |" in markdown_table([row])
    [baseline] = summarise([rec("T/0"), rec("T/1", passed=False)])
    assert baseline.verdicts == 0 and markdown_table([baseline]).rstrip().endswith("|  |")


def class_rec(task: str, passed: int, total: int, status: str = "", sample: int = 0):
    """A ClassEval-style row: ``passed`` of ``total`` test classes."""
    record = rec(task, passed=passed == total, sample=sample)
    return record.model_copy(
        update={
            "test_classes_passed": passed,
            "test_classes_total": total,
            "grade_status": status or ("passed" if passed == total else "failed"),
        }
    )


def test_class_level_tables_show_class_and_method_level_pass_at_1(tmp_path: Path):
    records = [
        class_rec("ClassEval_0", 4, 4),
        class_rec("ClassEval_1", 5, 6),
        class_rec("ClassEval_2", 0, 5, status="no_code"),
        class_rec("ClassEval_52", 1, 4, status="missing_data"),
    ]
    [row] = summarise(records)
    assert row.pass_at == {"1": 0.25}  # class level: one task of four
    assert row.method_level.test_classes_passed == 10
    assert row.method_level.test_classes_total == 19
    assert row.method_level.missing_data_task_ids == ["ClassEval_52"]
    table = markdown_table([row])
    head = table.splitlines()[0]
    assert "| class-level pass@1 | method-level pass@1 |" in head
    assert "| pass@1 |" not in head
    assert "| 25.0% | 52.6% (10/19) |" in table
    summary, md = write_summary([row], tmp_path, manifest={"name": "classeval"})
    data = json.loads(summary.read_text())
    assert data["variants"][0]["method_level"]["test_classes_total"] == 19
    text = md.read_text()
    assert "Method-level pass@1: hidden test" in text
    assert "Missing data: 1 answer(s) could not be graded on this machine (ClassEval_52)" in text


def test_function_level_rows_tables_and_summaries_have_no_class_level_parts(tmp_path: Path):
    records = [rec("T/0"), rec("T/1", passed=False)]
    store = ResultsStore(tmp_path / "results.jsonl")
    for record in records:
        store.append(record)
    assert "test_classes" not in (tmp_path / "results.jsonl").read_text()
    rows = summarise(records)
    assert rows[0].method_level is None
    table = markdown_table(rows)
    assert "class-level" not in table and "method-level" not in table
    summary, md = write_summary(rows, tmp_path, manifest={"name": "x"})
    assert "method_level" not in summary.read_text()
    assert "Method-level" not in md.read_text() and "Missing data" not in md.read_text()
