"""The optimizer comparison table (benchmarks/optimizers_compare.py) from files on disk."""

from __future__ import annotations

import json
from pathlib import Path

from dspy_coder.bench.store import RecordCost, ResultRecord, ResultsStore
from dspy_coder.pipeline.programs import make_program
from tests.benchmark_scripts import load_benchmark_script


def load_script():
    return load_benchmark_script("optimizers_compare")


def record(task: str, variant: str, passed: bool) -> ResultRecord:
    return ResultRecord(
        task_id=task, variant=variant, program_fingerprint=variant, lm="local:m", sample=0,
        passed=passed, grade_status="passed" if passed else "failed",
        cost=RecordCost(lm_calls=1, prompt_tokens=300, completion_tokens=100, wall_time_s=1.0,
                        iterations=1),
    )


def test_table_pairs_each_compiled_program_with_the_uncompiled_one(tmp_path: Path):
    compiled = make_program("baseline")
    state = compiled.dump_state()
    state["write"]["demos"] = [{"prompt": "p", "code": "c"}, {"prompt": "q", "code": "d"}]
    program_dir = tmp_path / "bootstrap-baseline"
    program_dir.mkdir()
    (program_dir / "program.json").write_text(json.dumps(state))
    (program_dir / "program.meta.json").write_text(json.dumps({
        "program": "baseline", "compile_seconds": 63.9,
        "lm_calls": {"compile": 2, "compile_by_lm": {"local/qwen2.5-coder-1.5b": 2}},
    }))
    store = ResultsStore(tmp_path / "test-baseline" / "results.jsonl")
    outcomes = {"T/0": (True, False), "T/1": (False, True), "T/2": (False, True),
                "T/3": (True, True)}
    for task, (before, after) in outcomes.items():
        store.append(record(task, "baseline", before))
        store.append(record(task, "baseline@bootstrap-baseline", after))
    store.append(record("T/4", "baseline", True))  # not answered by the compiled row yet

    script = load_script()
    args = script.parse_args(["--kind", "baseline", "--optimizers", "bootstrap,mipro",
                              "--out", str(tmp_path), "--table-only"])
    table = script.write_table(args, ["bootstrap", "mipro"]).read_text()

    assert "| baseline | 5 | 3/5 = 60.0% | 2/4 | (reference) |" in table
    assert ("| baseline@bootstrap-baseline | 4 | 3/4 = 75.0% | 3/4 | +2 / -1 (p = 1.00) | 63.9 | "
            "2 qwen2.5-coder-1.5b | 1.0 | 400 | write: 2 demos |") in table
    assert "| baseline@mipro-baseline | not graded yet |" in table
    assert "- baseline@bootstrap-baseline: gained T/1, T/2; lost T/0" in table


def test_coder_rows_carry_the_pipeline_they_were_run_with():
    script = load_script()
    committed = script.parse_args(["--kind", "coder", "--drafts", "0", "--out", "x"])
    assert script.row_labels(committed, ["gepa"]) == ("coder", ["coder@gepa-coder"])
    assert script.pipeline_words(committed) == ["--drafts", "0"]
    default = script.parse_args(["--kind", "coder", "--out", "x"])
    assert script.row_labels(default, ["gepa"]) == ("coder-drafts4", ["coder@gepa-coder-drafts4"])
    baseline = script.parse_args(["--kind", "baseline", "--out", "x"])
    assert script.pipeline_words(baseline) == []


def test_each_held_out_set_gets_its_table_and_the_pooled_one_pairs_them_all(tmp_path: Path):
    (tmp_path / "gepa-baseline").mkdir()
    (tmp_path / "gepa-baseline" / "program.json").write_text(
        json.dumps(make_program("baseline").dump_state()))
    for folder, tasks in (("test-baseline", {"HumanEval/0": (False, True)}),
                          ("test-baseline-mbpp-evalplus", {"Mbpp/2": (False, True),
                                                           "Mbpp/3": (True, True)})):
        store = ResultsStore(tmp_path / folder / "results.jsonl")
        for task, (before, after) in tasks.items():
            store.append(record(task, "baseline", before))
            store.append(record(task, "baseline@gepa-baseline", after))
    script = load_script()
    args = script.parse_args(["--kind", "baseline", "--optimizers", "gepa", "--out",
                              str(tmp_path), "--eval-data", "humaneval,mbpp-evalplus",
                              "--train-data", "humaneval,mbpp-evalplus", "--dev-focus",
                              "failing", "--table-only"])
    table = script.write_table(args, ["gepa"]).read_text()
    humaneval, mbpp, pooled = (table.split("## humaneval test split")[1].split("## ")[0],
                               table.split("## mbpp-evalplus test split")[1].split("## ")[0],
                               table.split("## Pooled: humaneval + mbpp-evalplus")[1])
    assert "| baseline | 1 | 0/1 = 0.0% |" in humaneval
    assert "| baseline | 2 | 1/2 = 50.0% |" in mbpp
    assert "| baseline | 3 | 1/3 = 33.3% |" in pooled
    assert "| baseline@gepa-baseline | 3 | 3/3 = 100.0% | 3/3 | +2 / -0" in pooled
    assert "`--train-data humaneval,mbpp-evalplus --dev-focus failing`" in table
    assert script.compile_words(args) == ["--train-data", "humaneval,mbpp-evalplus",
                                          "--dev-focus", "failing"]
    assert script.test_dir(args, "mbpp-evalplus") == tmp_path / "test-baseline-mbpp-evalplus"
