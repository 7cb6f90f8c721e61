"""The pipeline flags: declared once, parsed the same by solve, bench and optimize."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import pytest

from dspy_coder import cli
from dspy_coder.commands import solve
from dspy_coder.commands.pipeline_options import (
    PIPELINE_DEFAULTS,
    add_pipeline_options,
    pipeline_argv,
    pipeline_options,
    refuse_pipeline_flags,
)
from dspy_coder.errors import UsageError

# the extra words each command needs before the pipeline flags
COMMANDS = {
    "solve": ["solve", "--demo"],
    "bench": ["bench"],
    "optimize": ["optimize", "--out", "unused"],
    "project": ["project", "a goal"],
}
FLAGS = [
    "--max-iterations",
    "2",
    "--threshold",
    "0.8",
    "--routing",
    "simple",
    "--refine-attempts",
    "3",
    "--refine-strategy",
    "rewrite",
    "--drafts",
    "3",
    "--class-strategy",
    "per_method",
    "--method-samples",
    "3",
    "--checkpoint-interval",
    "3",
    "--no-plan",
    "--no-tests",
    "--no-refine",
    "--no-escalate",
]
OPTIONS = {
    "max_iterations": 2,
    "threshold": 0.8,
    "routing": "simple",
    "refine_attempts": 3,
    "refine_strategy": "rewrite",
    "drafts": 3,
    "class_strategy": "per_method",
    "method_samples": 3,
    "checkpoint_interval": 3,
    "use_plan": False,
    "use_tests": False,
    "use_refine": False,
    "escalate": False,
}


def parse(words: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_pipeline_options(parser)
    return parser.parse_args(words)


def test_stated_defaults_are_the_coders_own():
    from dspy_coder.pipeline.coder import Coder

    coder = Coder(executor=object(), interpreter_factory=object, profiler=lambda *a: None)
    assert PIPELINE_DEFAULTS == {name: getattr(coder.config, name) for name in PIPELINE_DEFAULTS}
    assert set(PIPELINE_DEFAULTS) == set(OPTIONS)  # every flag maps to a setting


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_parses_the_same_flags_to_the_same_options(command: str):
    parser = cli.build_parser()
    assert pipeline_options(parser.parse_args(COMMANDS[command])) == {}
    args = parser.parse_args([*COMMANDS[command], *FLAGS])
    assert pipeline_options(args) == OPTIONS
    assert pipeline_argv(args) == FLAGS


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_an_unknown_routing(command: str, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.build_parser().parse_args([*COMMANDS[command], "--routing", "fast"])
    assert exited.value.code == 2
    assert "invalid choice: 'fast'" in capsys.readouterr().err


def test_help_names_the_pipeline_defaults(capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["bench", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default 4)" in text and "(default 0.95)" in text and "(default auto)" in text


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["--max-iterations", "0"], r"--max-iterations must be at least 1 \(got 0\)"),
        (["--threshold", "1.5"], r"--threshold must be between 0 and 1 \(got 1.5\)"),
        (["--threshold", "-0.1"], r"--threshold must be between 0 and 1"),
        (["--refine-attempts", "0"], r"--refine-attempts must be at least 1"),
        (["--drafts", "-1"], r"--drafts must be 0 or more \(got -1\)"),
    ],
)
def test_out_of_range_values_are_usage_errors(words: list[str], message: str):
    with pytest.raises(UsageError, match=message):
        pipeline_options(parse(words))


def test_edge_values_are_accepted():
    options = pipeline_options(parse(["--threshold", "0", "--max-iterations", "1"]))
    assert options == {"threshold": 0.0, "max_iterations": 1}
    assert pipeline_options(parse(["--threshold", "1"])) == {"threshold": 1.0}


@pytest.mark.parametrize(
    "words",
    [
        [],
        ["--no-tests"],
        ["--threshold", "0.9"],
        ["--threshold", "1e-05", "--routing", "complex"],
        FLAGS,
    ],
)
def test_argv_round_trip(words: list[str]):
    args = parse(words)
    again = parse(pipeline_argv(args))
    assert pipeline_options(again) == pipeline_options(args)
    assert pipeline_argv(again) == pipeline_argv(args)


def test_flags_for_another_program_are_refused_with_their_names():
    refuse_pipeline_flags(parse([]), "--program baseline")  # nothing set: fine
    with pytest.raises(UsageError, match=r"^--no-refine applies to the coder pipeline only"):
        refuse_pipeline_flags(parse(["--no-refine"]), "--program baseline")
    with pytest.raises(UsageError, match=r"--threshold, --no-plan apply .* drop them"):
        refuse_pipeline_flags(parse(["--no-plan", "--threshold", "0.5"]), "--program cot")


def test_solve_builds_the_coder_with_the_flags_and_its_own_defaults_otherwise():
    parser = cli.build_parser()
    default = solve._build_program(parser.parse_args(["solve", "--demo"]), None)
    assert default.config.threshold == 0.95 and default.config.max_iterations == 4
    assert default.config.routing == "auto" and default.config.use_tests is True
    coder = solve._build_program(parser.parse_args(["solve", "--demo", *FLAGS]), None)
    assert {key: getattr(coder.config, key) for key in OPTIONS} == OPTIONS


def test_solve_refuses_bad_values_before_loading_a_model(monkeypatch):
    def no_lm(self, *args, **kwargs):
        raise AssertionError("the LM was loaded before the flags were checked")

    monkeypatch.setattr(cli.Settings, "configure", no_lm)
    assert cli.main(["solve", "--demo", "--max-iterations", "0"]) == 2


def test_solve_refuses_pipeline_flags_for_a_compiled_baseline(tmp_path: Path):
    from dspy_coder.pipeline.baseline import SingleShot

    SingleShot().save(str(tmp_path / "program.json"))
    (tmp_path / "program.meta.json").write_text(json.dumps({"program": "baseline"}))
    parser = cli.build_parser()
    args = parser.parse_args(["solve", "--demo", "--program", str(tmp_path), "--no-tests"])
    with pytest.raises(UsageError, match="--no-tests applies to the coder pipeline only"):
        solve._build_program(args, None)
    plain = parser.parse_args(["solve", "--demo", "--program", str(tmp_path)])
    assert type(solve._build_program(plain, None)).__name__ == "SingleShot"


def test_solve_parallel_starts_a_local_model_with_slots_and_tells_a_servers_coder():
    from dspy_coder.commands.parallel_option import parallel_settings

    parser = cli.build_parser()
    local = cli.Settings(lm="local:qwen2.5-coder-0.5b", api_base=None, api_key=None,
                         temperature=0.0, max_tokens=64, seed=0, cache_dir=None,
                         tracking_uri="")
    server = dataclasses.replace(local, lm="openai/qwen")
    args = parser.parse_args(["solve", "--demo", "--parallel", "3"])
    assert parallel_settings(args, local) == ({"parallel": 3}, {})
    assert parallel_settings(args, server) == ({}, {"concurrent_draws": 3})
    assert solve._build_program(args, server).config.concurrent_draws == 3
    assert solve._build_program(args, local).config.concurrent_draws is None  # the LM's
    assert parallel_settings(parser.parse_args(["solve", "--demo"]), None) == ({}, {})


def test_solve_refuses_parallel_below_one_before_loading_a_model(monkeypatch):
    def no_lm(self, *args, **kwargs):
        raise AssertionError("the LM was loaded before the flags were checked")

    monkeypatch.setattr(cli.Settings, "configure", no_lm)
    assert cli.main(["solve", "--demo", "--parallel", "0"]) == 2
