"""``dspy-coder solve``: its inputs are checked before any LM call, with clear usage errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import dspy
import pytest

from dspy_coder import cli


@pytest.fixture()
def no_lm(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record any attempt to build the LM (it must not happen for a refused command)."""
    built: list[str] = []
    monkeypatch.setattr(cli, "COMMANDS", ("solve",))
    monkeypatch.setattr(
        cli.Settings, "configure", lambda self, spec=None, **kw: built.append(spec or self.lm)
    )
    return built


def test_an_out_dir_that_cannot_be_created_is_refused_before_the_lm(
    tmp_path: Path, no_lm: list[str], caplog
):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory\n")
    code = cli.main(["solve", "--demo", "--lm", "dummy/x", "--out", str(blocker / "out")])
    assert code == 2 and no_lm == []
    assert "--out" in caplog.text and str(blocker / "out") in caplog.text


def test_an_out_path_that_is_a_file_is_refused_before_the_lm(
    tmp_path: Path, no_lm: list[str], caplog
):
    existing = tmp_path / "solution.txt"
    existing.write_text("keep me\n")
    assert cli.main(["solve", "--demo", "--lm", "dummy/x", "--out", str(existing)]) == 2
    assert no_lm == [] and existing.read_text() == "keep me\n"
    assert "not a directory" in caplog.text


def test_a_writable_out_dir_is_left_without_probe_files(tmp_path: Path):
    from dspy_coder.commands.solve import check_out_dir

    out = tmp_path / "new" / "out"
    check_out_dir(out)
    assert out.is_dir() and list(out.iterdir()) == []


def test_a_binary_task_file_gets_a_clear_error(tmp_path: Path, no_lm: list[str], caplog):
    binary = tmp_path / "task.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    assert cli.main(["solve", "--file", str(binary), "--out", str(tmp_path / "o")]) == 2
    assert no_lm == []
    assert str(binary) in caplog.text and "not UTF-8 text" in caplog.text
    assert "UnicodeDecodeError" not in caplog.text


def test_an_unknown_provider_gives_a_failed_report_and_no_empty_solution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The real LiteLLM path: every call fails locally (no network), so no code at all."""
    import json

    monkeypatch.setattr(cli, "COMMANDS", ("solve",))
    out = tmp_path / "out"
    code = cli.main(["solve", "Write is_palindrome(s) that ignores case and spaces.",
                     "--lm", "nosuchprovider/x", "--max-iterations", "2", "--out", str(out)])
    assert code == 1
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "failed" and report["score"] == 0.0 and report["code"] == ""
    solution = (out / "solution.py").read_text()
    assert solution.strip() and "no code" in solution  # says so, instead of being empty


class _SignallingLM(dspy.utils.DummyLM):
    """Sends this process ``signum`` during its first call, as Ctrl-C or ``kill`` would."""

    def __init__(self, signum: int) -> None:
        super().__init__([])
        self.signum = signum

    def forward(self, prompt=None, messages=None, **kwargs):
        os.kill(os.getpid(), self.signum)
        raise AssertionError("the signal did not interrupt the call")


@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["ctrl-c", "term"])
def test_solve_stopped_by_a_signal_exits_like_bench_and_keeps_the_partial_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: int, exit_code: int
):
    monkeypatch.setattr(cli, "COMMANDS", ("solve",))
    lm = _SignallingLM(signum)
    monkeypatch.setattr(
        cli.Settings, "configure", lambda self, spec=None, **kw: dspy.configure(lm=lm) or lm
    )
    previous = signal.getsignal(signum)
    out = tmp_path / "out"
    assert cli.main(["solve", "--demo", "--routing", "complex", "--out", str(out)]) == exit_code
    assert signal.getsignal(signum) is previous  # the handler is put back
    report = (out / "report.json").read_text()
    assert '"stop_reason": "interrupted"' in report


CHOOSE = '''def choose_num(x, y):
    if y % 2:
        y -= 1
    return y if y >= x else -1
'''
ROOT = Path(__file__).resolve().parents[2]
ENV = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "MLFLOW_DISABLE_TELEMETRY": "true",
       "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def _answering(monkeypatch: pytest.MonkeyPatch, code: str = CHOOSE) -> None:
    """``solve`` configures a scripted LM whose first draft is ``code``."""
    from tests.fakes.scripted_lm import scripted_lm

    monkeypatch.setattr(cli, "COMMANDS", ("solve",))
    lm = scripted_lm({"generated_code": [code]})
    monkeypatch.setattr(
        cli.Settings, "configure", lambda self, spec=None, **kw: dspy.configure(lm=lm) or lm
    )


def test_solve_writes_the_result_on_stdout_and_its_logs_on_stderr(tmp_path: Path):
    """Run as a command: stdout holds the summary, the answer and where the files went, and
    nothing else; the log lines go to stderr. The written tests pass under plain pytest."""
    out = tmp_path / "out"
    script = (
        "import sys, dspy\n"
        "from dspy_coder import cli\n"
        "from tests.fakes.scripted_lm import scripted_lm\n"
        f"lm = scripted_lm({{'generated_code': [{CHOOSE!r}]}})\n"
        "cli.Settings.configure = lambda self, spec=None, **kw: dspy.configure(lm=lm) or lm\n"
        f"sys.exit(cli.main(['solve', '--demo', '--out', {str(out)!r}]))\n"
    )
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    env.pop("MLFLOW_TRACKING_URI", None)
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Status: SUCCESS   score 1.00")
    assert "def choose_num(x, y):" in done.stdout
    assert done.stdout.rstrip().endswith(
        f"Wrote {out / 'solution.py'}, {out / 'test_solution.py'} and {out / 'report.json'}"
    )
    assert " INFO " not in done.stdout and "MLflow" not in done.stdout
    assert "INFO dspy_coder.commands.solve: Solving demo/choose_num" in done.stderr
    assert not (tmp_path / "mlflow.db").exists()  # no --tracking-uri: nothing logged
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "--rootdir", str(out), "test_solution.py"],
                           cwd=out, capture_output=True, text=True, timeout=120, check=False)
    assert tests.returncode == 0 and "2 passed" in tests.stdout, tests.stdout


def _solve_runs(store: str) -> list:
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=store)
    experiment = client.get_experiment_by_name("dspy-coder-solve")
    return client.search_runs([experiment.experiment_id]) if experiment else []


def test_with_a_tracking_uri_solve_logs_one_mlflow_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    import mlflow

    _answering(monkeypatch)
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    out = tmp_path / "out"
    argv = ["solve", "--demo", "--lm", "dummy/x", "--max-iterations", "2",
            "--tracking-uri", store, "--out", str(out)]
    assert cli.main(argv) == 0

    [run] = _solve_runs(store)
    assert run.info.status == "FINISHED" and run.info.run_name == "solve-demo/choose_num"
    params = run.data.params
    assert params["lm"] == "dummy/x" and params["task_id"] == "demo/choose_num"
    assert params["coder.max_iterations"] == "2" and params["coder.drafts"] == "4"
    metrics = run.data.metrics
    assert metrics["score"] == 1.0 and metrics["success"] == 1.0
    assert metrics["status_code"] == 3.0 and metrics["lm_calls"] == 1.0
    assert {"prompt_tokens", "completion_tokens", "wall_time_s"} <= set(metrics)
    assert run.data.tags["status"] == "success" and run.data.tags["command"] == "solve"
    client = mlflow.MlflowClient(tracking_uri=store)
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert artifacts == {"solution.py", "test_solution.py", "report.json"}
    assert f"MLflow run {run.info.run_id}" in capsys.readouterr().out


def test_without_a_tracking_uri_solve_opens_no_mlflow_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from dspy_coder import tracking

    _answering(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'env.db'}")

    def refuse(*args, **kwargs):
        raise AssertionError("solve opened an MLflow run without --tracking-uri")

    monkeypatch.setattr(tracking, "tracking_run", refuse)
    assert cli.main(["solve", "--demo", "--out", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_solve_stopped_by_sigterm_keeps_its_files_and_marks_its_mlflow_run_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    monkeypatch.setattr(cli, "COMMANDS", ("solve",))
    lm = _SignallingLM(signal.SIGTERM)
    monkeypatch.setattr(
        cli.Settings, "configure", lambda self, spec=None, **kw: dspy.configure(lm=lm) or lm
    )
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    out = tmp_path / "out"
    argv = ["solve", "--demo", "--routing", "complex", "--tracking-uri", store,
            "--out", str(out)]
    assert cli.main(argv) == 143

    assert sorted(p.name for p in out.iterdir()) == [
        "report.json", "run", "solution.py", "test_solution.py"
    ]
    assert "Status: FAILED" in capsys.readouterr().out
    kept = json.loads((out / "run" / "run.json").read_text())
    assert (kept["status"], kept["argv"]) == ("stopped", argv)  # `dspy-coder resume` can go on
    [run] = _solve_runs(store)
    assert run.info.status == "KILLED"
    assert run.data.tags["stop_reason"] == "interrupted"


def _solve_same_chars(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *flags: str
                      ) -> tuple[int, Path, Path]:
    """``solve`` on stripped HumanEval/54 whose first draft misreads it and whose repair reads
    it right: (exit code, task file, out dir)."""
    from tests.fakes.scripted_lm import scripted_lm
    from tests.pipeline.test_examples_gate import COUNTS, MISREAD, SETS, STUB

    task, out = tmp_path / "task.py", tmp_path / "out"
    task.write_text(STUB)
    lm = scripted_lm({"test_code": [{"test_code": MISREAD, "make_input": ""}],
                      "generated_code": [COUNTS], "fixed_code": [SETS]})
    monkeypatch.setattr(cli, "COMMANDS", ("solve",))
    monkeypatch.setattr(cli.Settings, "configure",
                        lambda self, spec=None, **kw: dspy.configure(lm=lm) or lm)
    code = cli.main(["solve", "--file", str(task), "--lm", "dummy/x", "--routing", "simple",
                     "--drafts", "0", "--refine-strategy", "repair", "--max-iterations", "2",
                     *flags, "--out", str(out)])
    return code, task, out


def test_solve_asks_the_examples_gate_from_a_file_and_writes_the_confirmed_examples_as_tests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    """``--approve examples``: the person's fixed expectations are the task's examples, the
    answer meets them, and ``test_solution.py`` holds them as tests plain pytest runs."""
    from tests.pipeline.test_examples_gate import SETS

    answers = tmp_path / "answers.jsonl"
    answers.write_text(json.dumps({"gate": "examples", "verdict": "edit", "edited":
                                   "same_chars('abc', 'aabbcc') == True\n"
                                   "same_chars('ab', 'abc') == False\n"}) + "\n")
    code, _, out = _solve_same_chars(tmp_path, monkeypatch, "--approve", "examples",
                                     "--approval-file", str(answers))
    assert code == 0
    assert capsys.readouterr().out.startswith("Status: SUCCESS")
    assert (out / "solution.py").read_text().strip() == SETS.strip()
    written = (out / "test_solution.py").read_text()
    assert written.count("def test_docstring_example_") == 2
    assert "_result = same_chars('abc', 'aabbcc')\n    _expected = True\n" in written
    report = json.loads((out / "report.json").read_text())
    assert report["approvals"][0]["gate"] == "examples"
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "--rootdir", str(out), "test_solution.py"],
                           cwd=out, capture_output=True, text=True, timeout=120, check=False)
    assert tests.returncode == 0 and "passed" in tests.stdout, tests.stdout


def test_an_answer_file_for_the_examples_gate_is_refused_without_asking_for_it(
    tmp_path: Path, no_lm: list[str], caplog
):
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"gate": "examples", "verdict": "approve"}\n')
    code = cli.main(["solve", "--demo", "--lm", "dummy/x", "--approval-file", str(answers),
                     "--out", str(tmp_path / "o")])
    assert code == 2 and no_lm == []
    assert "plan, examples, questions, final" in caplog.text


def test_examples_given_on_the_command_line_are_the_task_s_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    """``--example``: the lines go into the task's docstring, so the candidate that meets them
    is the answer and ``test_solution.py`` holds them; the task file is left as it was."""
    from tests.pipeline.test_examples_gate import SETS, STUB

    code, task, out = _solve_same_chars(
        tmp_path, monkeypatch, "--example", "same_chars('abc', 'aabbcc') == True",
        "--example", "same_chars('ab', 'abc') == False")
    assert code == 0
    assert capsys.readouterr().out.startswith("Status: SUCCESS")
    assert (out / "solution.py").read_text().strip() == SETS.strip()
    report = json.loads((out / "report.json").read_text())
    assert [(e["call"], e["expected"]) for e in report["task"]["examples"]] == [
        ("same_chars('abc', 'aabbcc')", "True"), ("same_chars('ab', 'abc')", "False")]
    assert (out / "test_solution.py").read_text().count("def test_docstring_example_") == 2
    assert task.read_text() == STUB


@pytest.mark.parametrize(("task", "example", "message"), [
    ("def f(x):\n    \"\"\"Double x.\"\"\"\n", "f(y) == 2", "does not read as an example of f"),
    ("def f(x):\n    \"\"\"Double x.\"\"\"\n", "f(1) ==", "write each as f(arguments) == value"),
    ("Write a function that doubles a number and returns it.", "(lambda x: 2 * x)(1) == 2",
     "--example needs the function's name"),
], ids=["not-literal", "no-value", "no-function-name"])
def test_an_example_that_cannot_be_read_is_refused_before_the_lm(
    tmp_path: Path, no_lm: list[str], caplog, task: str, example: str, message: str
):
    task_file = tmp_path / "task.py"
    task_file.write_text(task)
    code = cli.main(["solve", "--file", str(task_file), "--lm", "dummy/x",
                     "--example", example, "--out", str(tmp_path / "o")])
    assert code == 2 and no_lm == []
    assert message in caplog.text


def test_a_free_text_task_takes_its_function_name_from_the_examples():
    """A real run: "Write a function parse_duration(s) ..." with --example lines calling it was
    refused for want of a signature; the examples name the function, so they are enough."""
    from dspy_coder.commands.solve import with_given_examples
    from dspy_coder.errors import UsageError

    task = "Write a function parse_duration(s) that converts '1h30m' into seconds."
    prompt, entry_point = with_given_examples(
        task, None, ["parse_duration('1h30m') == 5400", "parse_duration('45s') == 45"])
    assert entry_point == "parse_duration"
    assert prompt.endswith("Examples:\nparse_duration('1h30m') == 5400\n"
                           "parse_duration('45s') == 45\n")
    with pytest.raises(UsageError, match="examples that all call one function"):
        with_given_examples("Write two functions.", None, ["f(1) == 1", "g(1) == 2"])


def test_solve_says_which_examples_it_read_from_the_task_before_it_starts():
    from dspy_coder.commands.solve import examples_read

    said = examples_read("Write a function slugify(text) that lowercases it. For example "
                         "slugify('A B') returns 'a-b' and slugify('x') gives 'x'.", None)
    assert said == ("The task's 2 example(s) judge every answer: slugify('A B') == 'a-b'; "
                    "slugify('x') == 'x'.")
    said = examples_read("Write a function parse_duration(s) that converts '1h30m' into "
                         "seconds.", None)
    assert said.startswith("No example read from the task") and "--example" in said
    many = "def f(x):\n    '''\n" + "".join(f"    f({n}) == {n}\n" for n in range(7)) + "    '''\n"
    assert examples_read(many, None).endswith("f(4) == 4 and 2 more.")
