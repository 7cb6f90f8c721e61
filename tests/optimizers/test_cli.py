"""`dspy-coder optimize` end to end with DummyLM, the fake sandbox and a local MLflow store."""

from __future__ import annotations

import argparse
import json

import pytest
from dspy.utils import DummyLM

from dspy_coder import cli
from dspy_coder.commands import optimize
from dspy_coder.errors import UsageError
from dspy_coder.optimizers import metric as metric_module
from dspy_coder.optimizers.artifacts import load_program, read_sidecar

from .conftest import answers_for, fake_run


def run_cli(argv: list[str]) -> int:
    """``dspy-coder optimize ARGV`` through the real parser pieces and exit-code mapping of
    ``dspy_coder.cli`` (built for this one command, so other commands' imports do not matter)."""
    parser = argparse.ArgumentParser(prog="dspy-coder")
    sub = optimize.add_parser(parser.add_subparsers(dest="command", required=True))
    cli._add_common(sub)
    args = parser.parse_args(["optimize", *argv])
    try:
        return optimize.run(args, cli.settings_from_args(args))
    except UsageError:
        return 2


@pytest.fixture
def dataset(tmp_path, problems):
    path = tmp_path / "synth.jsonl"
    path.write_text("\n".join(p.model_dump_json() for p in problems) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def patched(monkeypatch, problems):
    lms = {}
    lms_overrides: list[dict] = []

    def make_lm(self, spec=None, **overrides):
        lms_overrides.append(overrides)
        return lms.setdefault(spec or self.lm, DummyLM(answers_for(problems)))

    def configure(self, spec=None, **overrides):
        import dspy

        lm = make_lm(self, spec, **overrides)
        dspy.configure(lm=lm)
        return lm

    monkeypatch.setattr(cli.Settings, "make_lm", make_lm)
    monkeypatch.setattr(cli.Settings, "configure", configure)
    monkeypatch.setattr(metric_module, "default_runner", lambda: fake_run)
    lms["overrides"] = lms_overrides
    return lms


def test_optimize_saves_a_loadable_program_and_tracks_it(tmp_path, dataset, patched, capsys):
    out = tmp_path / "run"
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    code = run_cli(["--program", "baseline", "--optimizer", "BootstrapFewShot",
                     "--budget", "light", "--dataset", str(dataset), "--out", str(out),
                     "--lm", "student-model", "--teacher-lm", "teacher-model",
                     "--tracking-uri", uri, "--eval-uncompiled"])
    assert code == 0
    stdout = capsys.readouterr().out  # DSPy's progress bars go to stdout before the summary
    summary = json.loads(stdout[stdout.rindex('{\n  "program"'):])
    assert summary["optimizer"] == "BootstrapFewShot" and summary["dev_score"] == 1.0
    meta = read_sidecar(out)
    assert meta["program"] == "baseline" and meta["optimizer"] == "bootstrap"
    assert meta["lm"] == "student-model" and meta["teacher_lm"] == "teacher-model"
    assert meta["budget"]["name"] == "light" and meta["split"]["sizes"]["test"] == 8
    assert meta["scores"]["uncompiled_dev"] == 1.0 and meta["lm_calls"]["compile"] >= 2
    assert meta["mlflow_run_id"] and meta["leak_check"] == "passed"
    assert patched["teacher-model"].history  # the teacher bootstrapped the demos
    program = load_program(out / "program.json")
    assert len(program.write.demos) == 2

    import mlflow

    run = mlflow.MlflowClient(tracking_uri=uri).get_run(meta["mlflow_run_id"])
    assert run.data.params["optimizer"] == "bootstrap"
    assert run.data.params["budget.train_size"] == "6"
    assert run.data.metrics["dev_score"] == 1.0 and "compile_seconds" in run.data.metrics
    artifacts = {a.path for a in mlflow.MlflowClient(tracking_uri=uri).list_artifacts(
        meta["mlflow_run_id"], "program")}
    assert {"program/program.json", "program/program.meta.json"} <= artifacts


@pytest.mark.parametrize(("flags", "cache"), [([], False), (["--lm-cache"], True)])
def test_optimize_calls_student_and_teacher_without_dspy_cache_unless_asked(
    tmp_path, dataset, patched, flags, cache
):
    out = tmp_path / "run"
    code = run_cli(["--program", "baseline", "--optimizer", "bootstrap", "--dataset",
                    str(dataset), "--out", str(out), "--lm", "student-model", "--teacher-lm",
                    "teacher-model", "--no-tracking", "--no-final-eval", *flags])
    assert code == 0
    assert len(patched["overrides"]) == 2  # student and teacher
    assert all(o.get("cache") is cache for o in patched["overrides"])
    assert read_sidecar(out)["lm_cache"] is cache


def test_coder_flags_are_refused_for_the_baseline(tmp_path, dataset, patched):
    code = run_cli(["--program", "baseline", "--no-refine", "--dataset",
                     str(dataset), "--out", str(tmp_path), "--no-tracking"])
    assert code == 2


def test_unknown_optimizer_is_a_usage_error(tmp_path, dataset, patched):
    code = run_cli(["--program", "baseline", "--optimizer", "adam",
                     "--dataset", str(dataset), "--out", str(tmp_path), "--no-tracking"])
    assert code == 2


def test_dspy_coder_main_dispatches_optimize(tmp_path, dataset, patched):
    code = cli.main(["optimize", "--program", "baseline", "--optimizer", "adam",
                     "--dataset", str(dataset), "--out", str(tmp_path), "--no-tracking"])
    assert code == 2  # the real entry point reaches optimize.run and maps UsageError to 2


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dspy-coder")
    optimize.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["optimize", "--out", "unused", *argv])


def test_coder_options_start_from_the_pipeline_defaults_and_take_every_pipeline_flag():
    from dspy_coder.pipeline.coder import Coder

    defaults = optimize.coder_options(parse([]))
    config = Coder(executor=lambda *a, **k: None, profiler=lambda *a: None).config
    assert defaults == {key: getattr(config, key) for key in defaults}  # the uncompiled pipeline's
    assert defaults["threshold"] == 0.95
    args = parse(["--threshold", "0.95", "--routing", "complex", "--refine-attempts", "2",
                  "--no-tests", "--max-iterations", "3", "--refine-strategy", "repair",
                  "--drafts", "2"])
    assert optimize.coder_options(args) == {
        "max_iterations": 3,
        "threshold": 0.95,
        "routing": "complex",
        "refine_attempts": 2,
        "refine_strategy": "repair",
        "drafts": 2,
        "class_strategy": "whole",
        "method_samples": 2,
        "checkpoint_interval": 2,
        "escalate": True,
        "use_plan": True,
        "use_tests": False,
        "use_refine": True,
    }


def test_coder_options_are_validated_and_refused_for_other_programs():
    with pytest.raises(UsageError, match="--max-iterations must be at least 1"):
        optimize.coder_options(parse(["--max-iterations", "0"]))
    with pytest.raises(UsageError, match="--threshold must be between 0 and 1"):
        optimize.coder_options(parse(["--threshold", "1.2"]))
    with pytest.raises(UsageError, match="--routing applies to the coder pipeline only"):
        optimize.coder_options(parse(["--program", "cot", "--routing", "simple"]))
    assert optimize.coder_options(parse(["--program", "baseline"])) == {}


def test_optimize_help_names_the_pipeline_threshold_default(capsys):
    with pytest.raises(SystemExit):
        parse(["--help"])
    assert "(default 0.95)" in " ".join(capsys.readouterr().out.split())


def test_train_data_takes_several_sets_each_split_on_its_own(tmp_path, dataset, patched):
    from .conftest import make_problems

    other = tmp_path / "other.jsonl"
    extra = [p.model_copy(update={"task_id": p.task_id.replace("Synth", "Other")})
             for p in make_problems(30)[20:]]
    other.write_text("\n".join(p.model_dump_json() for p in extra) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    code = run_cli(["--program", "baseline", "--train-data", f"{dataset},{other}",
                    "--train-size", "30", "--dev-size", "30", "--out", str(out),
                    "--no-tracking", "--no-final-eval"])
    assert code == 0
    meta = read_sidecar(out)
    assert meta["split"]["sizes_by_set"] == {str(dataset): {"train": 8, "dev": 4, "test": 8},
                                             str(other): {"train": 4, "dev": 2, "test": 4}}
    assert meta["split"]["sizes"] == {"train": 12, "dev": 6, "test": 12}
    assert {t.split("/")[0] for t in meta["split"]["train_used"]} == {"Synth", "Other"}
    assert run_cli(["--program", "baseline", "--train-data", f"{dataset},{dataset}",
                    "--out", str(out), "--no-tracking"]) == 2


def test_call_penalty_is_recorded_and_checked(tmp_path, dataset, patched):
    out = tmp_path / "run"
    argv = ["--program", "baseline", "--dataset", str(dataset), "--out", str(out),
            "--no-tracking", "--no-final-eval"]
    assert run_cli([*argv, "--call-penalty", "1"]) == 2
    assert run_cli([*argv, "--call-penalty", "0.1"]) == 0
    assert read_sidecar(out)["metric"] == {
        "name": "pass rate x (1 - call_penalty) ** (LM calls - 1)", "call_penalty": 0.1}


def test_dev_focus_flags_are_checked_before_any_lm_is_built(tmp_path, dataset, patched):
    argv = ["--program", "baseline", "--dataset", str(dataset), "--out", str(tmp_path / "run"),
            "--no-tracking"]
    assert run_cli([*argv, "--dev-focus-share", "0.3"]) == 2
    assert run_cli([*argv, "--first-drafts", str(tmp_path / "d.json")]) == 2
    assert run_cli([*argv, "--dev-focus", "failing", "--dev-focus-share", "0"]) == 2
    assert patched["overrides"] == []
    args = parse(["--dev-focus", "failing"])
    assert optimize.dev_focus_share(args) == 0.5


def test_the_estimate_is_logged_first_and_a_rerun_continues_or_restarts(tmp_path, dataset,
                                                                        patched, caplog):
    out = tmp_path / "run"
    argv = ["--program", "baseline", "--dataset", str(dataset), "--out", str(out),
            "--no-tracking", "--seconds-per-call", "2"]
    assert run_cli(argv) == 0
    estimate = next(r.getMessage() for r in caplog.records if "Estimate" in r.getMessage())
    assert estimate.startswith("Estimate: at most 6 program runs to compile + 10 to evaluate, "
                               "x 2 s per run (--seconds-per-call) = at most about 1 min")
    first_message = next(i for i, r in enumerate(caplog.records) if "Estimate" in r.getMessage())
    compiling = next(i for i, r in enumerate(caplog.records) if "Compiling" in r.getMessage())
    assert first_message < compiling
    meta = read_sidecar(out)
    assert meta["estimate"]["program_runs"] == 6 and meta["estimate"]["seconds"] == 32  # 4 dev
    assert meta["resume"]["attempt"] == 1 and (out / "resume" / "request.json").is_file()
    assert run_cli(argv) == 0 and read_sidecar(out)["resume"]["attempt"] == 2
    overrides = len(patched["overrides"])
    with pytest.raises(UsageError, match=r"other settings \(budget differ\)"):
        args = parse_full([*argv, "--budget", "medium"])
        optimize.run(args, cli.settings_from_args(args))  # refused before any LM is built
    assert len(patched["overrides"]) == overrides
    assert run_cli([*argv, "--budget", "medium", "--restart"]) == 0
    assert read_sidecar(out)["resume"]["attempt"] == 1
    assert run_cli([*argv, "--seconds-per-call", "0"]) == 2


def parse_full(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dspy-coder")
    sub = optimize.add_parser(parser.add_subparsers(dest="command", required=True))
    cli._add_common(sub)
    return parser.parse_args(["optimize", *argv])
