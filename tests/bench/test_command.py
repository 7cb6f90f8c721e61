"""`dspy-coder bench` end to end with DummyLM: a user JSONL set, the real sandbox, MLflow."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from dspy_coder import cli
from dspy_coder.bench.portable_paths import portable_word, repo_root
from dspy_coder.bench.store import read_records
from dspy_coder.commands.pipeline_options import pipeline_options
from tests.bench.helpers import PROBLEMS, RIGHT, answers_lm


def test_bench_run_writes_results_reports_and_an_mlflow_run(
    tmp_path: Path, dataset: Path, dummy_lm, capsys
):
    out = tmp_path / "run"
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    argv = [
        "bench",
        "--dataset",
        str(dataset),
        "--variant",
        "baseline",
        "--lm",
        "dummy/x",
        "--out",
        str(out),
        "--tracking-uri",
        uri,
    ]
    assert cli.main(argv) == 0
    records = read_records(out / "results.jsonl")
    assert sorted((r.task_id, r.passed) for r in records) == [
        ("Toy/double", True),
        ("Toy/negate", True),
        ("Toy/square", False),
    ]
    assert {r.grade_status for r in records} == {"passed", "failed"}  # graded by the sandbox
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] is True
    assert summary["variants"][0]["pass_at"]["1"] == pytest.approx(2 / 3, abs=1e-4)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["lm"] == "dummy/x" and manifest["commit"] and manifest["machine"]
    assert "--variant baseline" in manifest["command"]
    assert {p.name for p in (out / "plots").iterdir()} == {"pass_at_1.png", "accuracy_vs_cost.png"}
    assert "| baseline | dummy/x | 3 | 1 | 66.7% |" in capsys.readouterr().out

    import mlflow

    client = mlflow.MlflowClient(tracking_uri=uri)
    run = client.get_run(manifest["mlflow_run_id"])
    assert run.data.params["lm"] == "dummy/x"
    assert run.data.metrics["baseline/pass_at_1"] == pytest.approx(0.6667, abs=1e-4)
    assert [m.value for m in client.get_metric_history(run.info.run_id, "progress/done")] == [
        1,
        2,
        3,
    ]
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"results.jsonl", "table.md", "summary.json", "manifest.json", "plots"} <= artifacts

    # the same command again resumes: nothing new to do, same results
    assert cli.main(argv) == 0
    assert len(read_records(out / "results.jsonl")) == 3
    assert len(json.loads((out / "manifest.json").read_text())["sessions"]) == 2


def test_bench_report_and_compare(tmp_path: Path, dataset: Path, dummy_lm, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    common = ["bench", "--dataset", str(dataset), "--lm", "dummy/x", "--no-mlflow"]
    assert cli.main([*common, "--variant", "baseline", "--out", str(a)]) == 0
    assert cli.main([*common, "--variant", "cot", "--limit", "2", "--out", str(b)]) == 0
    (a / "table.md").unlink()
    assert cli.main(["bench", "report", str(a)]) == 0
    assert (a / "table.md").is_file()
    capsys.readouterr()
    assert cli.main(["bench", "compare", str(a), str(b), "--out", str(tmp_path / "cmp")]) == 0
    text = capsys.readouterr().out
    assert "pass@1 on common (2)" in text
    assert "| a | baseline |" in text and "| b | cot |" in text
    assert (tmp_path / "cmp" / "comparison_pass_at_1.png").is_file()
    # a selection restricts the comparison to those problems
    assert cli.main(["bench", "compare", str(a), str(b), "--dataset", str(dataset),
                     "--stride", "2"]) == 0
    text = capsys.readouterr().out
    assert "pass@1 on common (1)" in text
    assert "| a | baseline | dummy/x | 2 |" in text and "| b | cot | dummy/x | 1 |" in text


def test_bench_report_survives_a_torn_utf8_line_and_an_empty_manifest(
    tmp_path: Path, dataset: Path, dummy_lm, capsys
):
    out = tmp_path / "run"
    argv = ["bench", "--dataset", str(dataset), "--lm", "dummy/x", "--no-mlflow",
            "--out", str(out)]
    assert cli.main(argv) == 0
    with (out / "results.jsonl").open("ab") as handle:
        handle.write(b'{"task_id": "Toy/x", "code": "caf' + "é".encode()[:1])
    (out / "manifest.json").write_bytes(b"")  # truncated by a crash
    capsys.readouterr()
    assert cli.main(["bench", "report", str(out)]) == 0
    assert "| baseline | dummy/x | 3 |" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["answers"] == 3 and summary["expected_units"] == 3  # the summary's copy
    # and a resume goes on: nothing is redone, the manifest is rebuilt
    assert cli.main(argv) == 0
    assert len(read_records(out / "results.jsonl")) == 3
    assert json.loads((out / "manifest.json").read_text())["rebuilt"]["from"] == "summary.json"


def test_usage_errors_exit_2(tmp_path: Path, dataset: Path, dummy_lm):
    base = ["bench", "--dataset", str(dataset), "--no-mlflow", "--out", str(tmp_path / "x")]
    assert cli.main([*base, "--variant", "nope"]) == 2
    assert cli.main([*base, "--samples", "3"]) == 2  # temperature 0
    assert cli.main([*base, "--ids", "Toy/missing"]) == 2
    assert cli.main(["bench", "compare", str(tmp_path / "none")]) == 2


def test_an_empty_dataset_file_is_a_usage_error_naming_it(tmp_path: Path, dummy_lm, caplog):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    argv = ["bench", "--dataset", str(empty), "--no-mlflow", "--out", str(tmp_path / "x")]
    assert cli.main(argv) == 2
    assert f"Dataset file {empty} is empty" in caplog.text
    assert "StopIteration" not in caplog.text


def test_pipeline_flags_are_checked_and_recorded_in_the_reproducing_command(
    tmp_path: Path, dataset: Path, dummy_lm
):
    out = tmp_path / "run"
    base = ["bench", "--dataset", str(dataset), "--no-mlflow", "--lm", "dummy/x"]
    assert cli.main([*base, "--out", str(out), "--max-iterations", "0"]) == 2
    assert cli.main([*base, "--out", str(out), "--threshold", "2"]) == 2
    assert not out.exists()  # refused before anything ran
    flags = ["--threshold", "0.8", "--routing", "simple", "--refine-attempts", "2", "--no-plan"]
    assert (
        cli.main([*base, "--variant", "baseline", "--limit", "1", "--out", str(out), *flags]) == 0
    )
    command = json.loads((out / "manifest.json").read_text())["command"]
    assert " ".join(flags) in command
    # the recorded command parses back to the same pipeline options
    parsed = cli.build_parser().parse_args(shlex.split(command)[1:])
    assert pipeline_options(parsed) == {
        "threshold": 0.8,
        "routing": "simple",
        "refine_attempts": 2,
        "use_plan": False,
    }


def test_default_run_name_is_stable_and_safe():
    from dspy_coder.commands.bench import default_run_name

    name = default_run_name(
        "humaneval", "stride8", ["baseline", "coder-no-tests"], "local:qwen2.5-coder-1.5b", 1, 0.0
    )
    assert name == "humaneval-stride8-baseline+coder-no-tests-qwen2.5-coder-1.5b"
    assert (
        default_run_name("humaneval", "all", ["coder"], "openai/gpt-4o-mini", 5, 0.8)
        == "humaneval-all-coder-openai_gpt-4o-mini-n5-t0.8"
    )


@pytest.mark.parametrize(("flags", "cache"), [([], False), (["--lm-cache"], True)])
def test_bench_calls_the_lm_without_dspy_cache_unless_asked(
    tmp_path: Path, dataset: Path, monkeypatch: pytest.MonkeyPatch, flags: list[str], cache: bool
):
    monkeypatch.setattr(cli, "COMMANDS", ("bench",))
    seen: list[dict] = []

    def make_lm(self, spec=None, **overrides):
        seen.append(overrides)
        return answers_lm(RIGHT)

    monkeypatch.setattr(cli.Settings, "make_lm", make_lm)
    out = tmp_path / "run"
    argv = ["bench", "--dataset", str(dataset), "--lm", "dummy/x", "--out", str(out),
            "--no-mlflow", *flags]
    assert cli.main(argv) == 0
    assert seen and all(o.get("cache") is cache for o in seen)
    command = json.loads((out / "manifest.json").read_text())["command"]
    assert ("--lm-cache" in command) is cache


def test_bench_of_a_compiled_program_logs_to_mlflow(tmp_path: Path, dataset: Path, dummy_lm):
    """Compiled programs are labelled ``kind@dir`` ('@' is not allowed in MLflow names)."""
    from dspy_coder.pipeline.baseline import SingleShot

    compiled = tmp_path / "mipro-baseline"
    compiled.mkdir()
    SingleShot().save(str(compiled / "program.json"))
    (compiled / "program.meta.json").write_text(json.dumps({"program": "baseline"}))
    out, uri = tmp_path / "run", f"sqlite:///{tmp_path / 'mlflow.db'}"
    argv = ["bench", "--dataset", str(dataset), "--variant", "baseline", "--program",
            str(compiled / "program.json"), "--lm", "dummy/x", "--out", str(out),
            "--tracking-uri", uri]
    assert cli.main(argv) == 0
    labels = {r.variant for r in read_records(out / "results.jsonl")}
    assert labels == {"baseline", "baseline@mipro-baseline"}

    import mlflow

    manifest = json.loads((out / "manifest.json").read_text())
    run = mlflow.MlflowClient(tracking_uri=uri).get_run(manifest["mlflow_run_id"])
    assert run.data.params["variant.baseline_mipro-baseline.kind"] == "baseline"
    assert any(key.startswith("baseline_mipro-baseline/") for key in run.data.metrics)


def _with_doctests(problem):
    """The toy problem with a doctest under an "Example:" header (its value does not matter)."""
    head, tail = problem.prompt.rsplit('\n    """', 1)
    example = f"\n\n    Example:\n    >>> {problem.entry_point}(1)\n    0"
    return problem.model_copy(update={"prompt": head + example + '\n    """' + tail})


def test_strip_examples_runs_stripped_prompts_in_a_folder_of_their_own(
    tmp_path: Path, dummy_lm, monkeypatch: pytest.MonkeyPatch, caplog
):
    from dspy_coder.bench import runner

    path = tmp_path / "toy.jsonl"
    path.write_text("".join(json.dumps(_with_doctests(p).model_dump()) + "\n" for p in PROBLEMS))
    seen: list[str] = []
    real_generate = runner.generate

    def spy(job, lm, config):
        seen.append(job.problem.to_task().prompt)
        return real_generate(job, lm, config)

    monkeypatch.setattr(runner, "generate", spy)
    monkeypatch.chdir(tmp_path)
    argv = ["bench", "--dataset", str(path), "--lm", "dummy/x", "--no-mlflow"]
    assert cli.main([*argv, "--strip-examples"]) == 0
    out = tmp_path / "benchmarks/results/toy-stripped-all-baseline-dummy_x"
    assert len(seen) == 3 and not [p for p in seen if ">>>" in p or "Example" in p]
    records = read_records(out / "results.jsonl")
    assert sorted((r.task_id, r.passed) for r in records) == [
        ("Toy/double", True), ("Toy/negate", True), ("Toy/square", False)
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["params"]["dataset"] == "toy-stripped"
    assert "--strip-examples" in manifest["command"]
    # the same problems with their examples: another folder, and never the stripped one
    assert cli.main(argv) == 0
    assert len(seen) == 6 and all(">>>" in p for p in seen[3:])
    assert (tmp_path / "benchmarks/results/toy-all-baseline-dummy_x/results.jsonl").is_file()
    assert cli.main([*argv, "--out", str(out)]) == 2
    assert "not 'toy'" in caplog.text
    assert len(read_records(out / "results.jsonl")) == 3


def test_mbpp_runs_from_a_datasets_folder_and_refuses_strip_examples(
    tmp_path: Path, dummy_lm, monkeypatch: pytest.MonkeyPatch, caplog
):
    records = [
        {"task_id": 1, "prompt": "Write a function to double a number.", "test_imports": [],
         "code": "def double(x):\n    return 2 * x", "test_list": ["assert double(2) == 4"]},
        {"task_id": 2, "prompt": "Write a function to square a number.", "test_imports": [],
         "code": "def square(x):\n    return x * x", "test_list": ["assert square(3) == 9"]},
    ]
    folder = tmp_path / "datasets"
    (folder / "mbpp").mkdir(parents=True)
    (folder / "mbpp" / "sanitized-mbpp.json").write_text(json.dumps(records))
    out = tmp_path / "run"
    argv = ["bench", "--dataset", "mbpp", "--lm", "dummy/x", "--no-mlflow", "--out", str(out)]
    monkeypatch.setenv("DSPY_CODER_DATASETS", str(tmp_path / "nowhere"))
    assert cli.main(argv) == 2
    assert f"MBPP not found at {tmp_path / 'nowhere' / 'mbpp' / 'sanitized-mbpp.json'}" in (
        caplog.text
    )
    assert cli.main([*argv, "--datasets-dir", str(folder), "--strip-examples"]) == 2
    assert "MBPP prompts bring no examples" in caplog.text
    monkeypatch.setenv("DSPY_CODER_DATASETS", str(folder))
    assert cli.main(argv) == 0
    graded = sorted((r.task_id, r.passed) for r in read_records(out / "results.jsonl"))
    assert graded == [("Mbpp/1", True), ("Mbpp/2", False)]  # the LM squares wrongly
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["params"]["dataset"] == "mbpp"
    relative = portable_word(str(folder), repo_root())  # no machine's absolute path
    assert f"--datasets-dir {relative}" in manifest["command"] and not relative.startswith("/")


def test_mbpp_evalplus_benches_its_held_out_split_with_the_first_assert_shown(
    tmp_path: Path, dummy_lm, monkeypatch: pytest.MonkeyPatch, caplog
):
    from dspy_coder.bench import runner
    from dspy_coder.datasets import load_problems, select_problems

    records = [
        {"task_id": k, "prompt": f"Write a function to {name} a number.", "test_imports": [],
         "code": f"def {name}(x):\n    return x", "test_list": [f"assert {name}({k}) == {k}",
                                                                f"assert {name}(0) == 0"]}
        for k, name in enumerate(("double", "negate", "square", "halve", "triple"), start=1)
    ]
    folder = tmp_path / "datasets"
    (folder / "mbpp").mkdir(parents=True)
    (folder / "mbpp" / "sanitized-mbpp.json").write_text(json.dumps(records))
    seen: list[str] = []
    real_generate = runner.generate
    monkeypatch.setattr(runner, "generate", lambda job, lm, config: (
        seen.append(job.problem.to_task().prompt), real_generate(job, lm, config))[1])
    monkeypatch.chdir(tmp_path)
    argv = ["bench", "--dataset", "mbpp-evalplus", "--split", "test", "--datasets-dir",
            str(folder), "--lm", "dummy/x", "--no-mlflow"]
    assert cli.main([*argv, "--strip-examples"]) == 2
    assert "MBPP without it is --dataset mbpp" in caplog.text
    assert cli.main(argv) == 0
    held_out = select_problems(load_problems("mbpp-evalplus", folder), split="test")
    assert len(seen) == len(held_out) == 2  # 40% of 5: the split bench and optimize share
    for prompt, problem in zip(seen, held_out, strict=True):
        assert f"assert {problem.entry_point}(" in prompt and "(0) == 0" not in prompt
    out = tmp_path / "benchmarks/results/mbpp-evalplus-test-baseline-dummy_x"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["params"]["dataset"] == "mbpp-evalplus"
    assert {r.task_id for r in read_records(out / "results.jsonl")} == {
        p.task_id for p in held_out}


def test_classeval_runs_from_a_datasets_folder_with_class_and_method_level_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
):
    from dspy.utils import DummyLM

    tests = (
        "import unittest\n\n"
        "class DoublerTestDouble(unittest.TestCase):\n"
        "    def test_double(self):\n        self.assertEqual(Doubler().double(2), 4)\n\n"
        "class DoublerTestHalf(unittest.TestCase):\n"
        "    def test_half(self):\n        self.assertEqual(Doubler().half(4), 2)\n"
    )
    record = {
        "task_id": "ClassEval_0", "class_name": "Doubler", "import_statement": ["import math"],
        "skeleton": 'class Doubler:\n    def double(self, x):\n        """Return 2 * x."""\n\n'
        '    def half(self, x):\n        """Return x / 2."""\n',
        "test": tests, "test_classes": ["DoublerTestDouble", "DoublerTestHalf"],
        "solution_code": "class Doubler:\n    def double(self, x):\n        return 2 * x\n"
        "    def half(self, x):\n        return x // 2\n",
    }
    folder = tmp_path / "datasets"
    (folder / "classeval").mkdir(parents=True)
    (folder / "classeval" / "ClassEval_0-69.json").write_text(json.dumps([record]))
    half_right = (  # math comes from the task's import statements, as ClassEval grades
        "class Doubler:\n    def double(self, x):\n        return 2 * x\n"
        "    def half(self, x):\n        return math.floor(x / 3)\n"
    )
    monkeypatch.setattr(cli, "COMMANDS", ("bench",))
    monkeypatch.setattr(cli.Settings, "make_lm", lambda self, spec=None, **kw: DummyLM(
        {"class Doubler": {"code": half_right}}))
    out = tmp_path / "run"
    argv = ["bench", "--dataset", "classeval", "--datasets-dir", str(folder), "--lm", "dummy/x",
            "--no-mlflow", "--out", str(out)]
    assert cli.main([*argv, "--strip-examples"]) == 2
    assert "Run --dataset classeval without it" in caplog.text
    assert cli.main(argv) == 0
    [row] = read_records(out / "results.jsonl")
    assert (row.task_id, row.passed, row.grade_status) == ("ClassEval_0", False, "failed")
    assert (row.test_classes_passed, row.test_classes_total) == (1, 2)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["params"]["dataset"] == "classeval"
    table = (out / "table.md").read_text()
    assert "| 0.0% | 50.0% (1/2) |" in table and "method-level pass@1" in table


def test_each_graded_answer_s_verdict_is_feedback_on_its_trace(
    tmp_path: Path, dataset: Path, dummy_lm
):
    import mlflow

    out = tmp_path / "run"
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    argv = ["bench", "--dataset", str(dataset), "--variant", "baseline", "--lm", "dummy/x",
            "--out", str(out), "--tracking-uri", uri]
    assert cli.main(argv) == 0
    records = read_records(out / "results.jsonl")
    assert len(records) == 3 and all(r.trace_id for r in records)
    assert len({r.trace_id for r in records}) == 3  # one trace per answer, not a stale one
    mlflow.set_tracking_uri(uri)
    for record in records:
        trace = mlflow.get_trace(record.trace_id)
        verdicts = [a for a in trace.info.assessments if a.name == "hidden_tests"]
        assert [v.value for v in verdicts] == [record.passed]
        assert verdicts[0].source.source_type == "CODE"


def test_rows_of_untracked_runs_carry_no_trace_field(tmp_path: Path, dataset: Path, dummy_lm):
    out = tmp_path / "run"
    argv = ["bench", "--dataset", str(dataset), "--variant", "baseline", "--lm", "dummy/x",
            "--out", str(out), "--no-mlflow"]
    assert cli.main(argv) == 0
    assert "trace_id" not in (out / "results.jsonl").read_text()
