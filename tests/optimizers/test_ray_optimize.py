"""``optimize --ray`` on a local 2-CPU Ray cluster, against a stub OpenAI-compatible LM server,
with the real sandbox: the compiled program, its scores and its LM-call counts equal the
single-process compile's, for BootstrapFewShot (the command, and its resumed rerun), MIPROv2
and GEPA (the function), and for the pipeline with a call penalty as well as the baseline.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import dspy
import pytest
from dspy.utils import DummyLM

from dspy_coder import cli
from dspy_coder.bench.ray_cluster import RayTarget, init_ray
from dspy_coder.lm import make_lm
from dspy_coder.optimizers.artifacts import read_sidecar
from dspy_coder.optimizers.budgets import budget_for
from dspy_coder.optimizers.compile import compile_program
from dspy_coder.optimizers.ray_runs import runs_on_ray
from dspy_coder.pipeline.config import PIPELINE_DEFAULTS
from tests.fakes.openai_stub import openai_stub

from .conftest import make_problems

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.ray

PROBLEMS = make_problems()
# the stub writes shift_NN right, except every third one (off by one): scores below 1
CODES = {
    f"def {p.entry_point}(x)": f"def {p.entry_point}(x):\n    return x + "
    f"{k + 1 if k % 3 == 0 else k}\n"
    for k, p in enumerate(PROBLEMS, start=1)
}
# what MIPROv2's proposer asks for, in every reply (the code's signature ignores them)
PROPOSER = {"observations": "COMPLETE", "summary": "Small integer functions.",
            "program_description": "Writes one function.", "module_description": "Writes code.",
            "proposed_instruction": "Write the function the docstring describes."}
SIDECAR_KEYS = ("scores", "trial_scores", "optimizer_trials", "lm_calls", "split", "options",
                "resume_attempt")


@pytest.fixture(scope="module")
def cluster():
    if ray.is_initialized():
        ray.shutdown()
    init_ray(RayTarget(num_cpus=2))
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def stub_base():
    with openai_stub(CODES, sections=PROPOSER) as base:
        yield base


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "synth.jsonl"
    path.write_text("".join(p.model_dump_json() + "\n" for p in PROBLEMS), encoding="utf-8")
    return path


def test_optimize_with_ray_saves_the_program_a_single_process_compile_saves(
    cluster, stub_base, dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
):
    monkeypatch.setattr(cli, "COMMANDS", ("optimize",))
    monkeypatch.setenv("DSPY_CODER_API_KEY", "x")
    common = ["optimize", "--program", "baseline", "--optimizer", "bootstrap",
              "--train-size", "4", "--dev-size", "3", "--dataset", str(dataset),
              "--lm", "openai/stub", "--api-base", stub_base,
              "--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}"]
    assert cli.main([*common, "--out", str(tmp_path / "single")]) == 0
    with caplog.at_level(logging.INFO, logger="dspy_coder.optimizers.ray_runs"):
        assert cli.main([*common, "--ray", "--out", str(tmp_path / "ray")]) == 0

    assert "9 program runs; 7 metric sandbox runs answered by the workers" in caplog.text
    first = _compared(tmp_path)
    assert 0 < first["single"]["scores"]["train"] < 1
    calls = first["single"]["lm_calls"]
    assert calls["compile"] >= 2 and not calls["replayed"]
    assert len(json.loads((tmp_path / "ray" / "program.json").read_text())["write"]["demos"]) == 2
    assert " --ray " in f"{first['ray']['command']} " and first["ray"]["mlflow_run_id"]

    # the same commands again continue the compiles: the workers answer from the replay cache
    assert cli.main([*common, "--out", str(tmp_path / "single")]) == 0
    assert cli.main([*common, "--ray", "--out", str(tmp_path / "ray")]) == 0
    again = _compared(tmp_path)
    assert again["ray"]["resume_attempt"] == 2
    calls = again["ray"]["lm_calls"]  # every call of the compile and its evaluation replayed
    assert calls["replayed"] == calls["compile"] + calls["final_eval"] >= 9


def _compared(tmp_path: Path) -> dict[str, dict]:
    """The two sidecars (after checking that they and the two programs are the same)."""
    found = {}
    for name in ("single", "ray"):
        sidecar = read_sidecar(tmp_path / name)
        sidecar["resume_attempt"] = sidecar["resume"]["attempt"]
        found[name] = sidecar
    assert ((tmp_path / "ray" / "program.json").read_text()
            == (tmp_path / "single" / "program.json").read_text())
    assert ({k: found["ray"][k] for k in SIDECAR_KEYS}
            == {k: found["single"][k] for k in SIDECAR_KEYS})
    return found


def _compile(kind: str, optimizer: str, lm, teacher, **hooks):
    options = dict(PIPELINE_DEFAULTS) if kind == "coder" else {}
    budget = budget_for("light", train_size=3, dev_size=2 if kind == "coder" else 3, trials=2)
    # the pipeline's runs make several LM calls (its drafts after a failure): charge for them
    return compile_program(kind, optimizer=optimizer, budget=budget, problems=PROBLEMS,
                           student_lm=lm, teacher_lm=teacher, program_options=options,
                           threads=2, call_penalty=0.1 if kind == "coder" else 0.0, **hooks)


@pytest.mark.parametrize(("kind", "optimizer"),
                         [("baseline", "mipro"), ("baseline", "gepa"), ("coder", "bootstrap")])
def test_a_compile_on_ray_equals_the_single_process_compile(cluster, stub_base, kind, optimizer):
    lm = make_lm("openai/stub", api_base=stub_base, api_key="x", cache=False)
    # GEPA's reflection LM runs in the driver: a scripted one that proposes an instruction
    teacher = DummyLM({"current_instruction": {"new_instruction": "Return x plus the number."}},
                      adapter=dspy.JSONAdapter()) if optimizer == "gepa" else None
    single = _compile(kind, optimizer, lm, teacher)
    with runs_on_ray(RayTarget(), kind=kind, problems=PROBLEMS, seed=single.seed,
                     options=dict(single.program_options), threads=2) as hooks:
        on_ray = _compile(kind, optimizer, lm, teacher, **hooks)
        runs = hooks["program_factory"].__self__

    assert runs.runs > 0 and runs.sandbox_answers > 0  # the workers ran programs and tests

    assert on_ray.program.dump_state() == single.program.dump_state()
    for name in ("train_score", "dev_score", "dev_solved", "lm_calls", "trial_scores",
                 "optimizer_trials"):
        assert getattr(on_ray, name) == getattr(single, name), name
    assert 0 < single.train_score < 1 and single.lm_calls_total > 0
    if optimizer == "gepa":  # it reflected on the traces the workers sent back
        assert len(teacher.history) >= 2
