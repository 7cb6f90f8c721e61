"""Variant registry, labels, fingerprints and compiled-program loading."""

from __future__ import annotations

import json
from pathlib import Path

import dspy
import pytest

from dspy_coder.bench.variants import (
    VariantSpec,
    load_program_variant,
    program_fingerprint,
    resolve_variant,
)
from dspy_coder.errors import UsageError
from dspy_coder.pipeline.baseline import SingleShot


def test_labels_name_the_ablations():
    assert resolve_variant("baseline").label == "baseline"
    assert resolve_variant("cot").label == "cot"
    assert resolve_variant("coder").label == "coder-drafts4"  # the default samples drafts
    assert resolve_variant("coder", {"drafts": 0}).label == "coder"
    assert resolve_variant("coder", {"use_tests": False}).label == "coder-no-tests-drafts4"
    assert (
        resolve_variant("coder-no-plan", {"max_iterations": 2, "drafts": 0}).label
        == "coder-no-plan-it2"
    )
    assert (
        resolve_variant("coder", {"routing": "simple", "refine_attempts": 2, "drafts": 0}).label
        == "coder-route-simple-ra2"
    )
    # options equal to the reference (a compiled pipeline's sidecar lists them all) are not named
    assert (
        resolve_variant("coder", {"max_iterations": 4, "threshold": 0.95, "drafts": 0}).label
        == "coder"
    )
    assert VariantSpec(kind="coder", options={"max_iterations": 4, "drafts": 0}).label == "coder"
    assert resolve_variant("coder", {"refine_strategy": "rewrite"}).label == (
        "coder-refine-rewrite-drafts4"
    )
    # pipeline options do not touch single-shot variants
    assert resolve_variant("baseline", {"use_tests": False}).options == {}


def test_a_pipelines_parameters_state_every_option():
    described = resolve_variant("coder", {"drafts": 0}).describe()
    assert described["label"] == "coder" and described["drafts"] == 0
    assert described["max_iterations"] == 4 and described["use_tests"] is True
    assert resolve_variant("coder").describe()["drafts"] == 4
    assert resolve_variant("baseline").describe() == {"kind": "baseline", "label": "baseline"}


# (bench flags, the options the same pipeline was keyed by before drafts=4 became the default)
FLAGS_AND_THE_OPTIONS_THEY_ALWAYS_GAVE = [
    (["--drafts", "0"], {}),
    (["--no-tests", "--drafts", "0"], {"use_tests": False}),
    (["--no-refine", "--no-plan", "--drafts", "0"], {"use_refine": False, "use_plan": False}),
    (["--max-iterations", "2", "--drafts", "0"], {"max_iterations": 2}),
    (["--threshold", "0.9", "--no-tests", "--drafts", "0"], {"threshold": 0.9, "use_tests": False}),
    (["--drafts", "4"], {"drafts": 4}),
    (["--no-tests", "--drafts", "4"], {"use_tests": False, "drafts": 4}),
    (["--max-iterations", "2", "--drafts", "4"], {"max_iterations": 2, "drafts": 4}),
    ([], {"drafts": 4}),  # the default pipeline is what `--drafts 4` always was
    (["--no-plan"], {"use_plan": False, "drafts": 4}),
]


@pytest.mark.parametrize(("words", "options"), FLAGS_AND_THE_OPTIONS_THEY_ALWAYS_GAVE)
def test_bench_flags_give_the_options_and_fingerprints_they_always_gave(words, options):
    """Result files are keyed by label and fingerprint, and the fingerprint hashes the
    variant's options: a pipeline must keep the options (so the fingerprint) it was keyed by
    when its rows were run, whether today's flags or today's defaults ask for it. Before
    drafts=4 became the default, bench keyed a pipeline by the flags that were set."""
    from dspy_coder import cli
    from dspy_coder.commands.pipeline_options import pipeline_options

    pipeline = pipeline_options(cli.build_parser().parse_args(["bench", *words]))
    spec = resolve_variant("coder", pipeline)
    assert spec.options == options
    assert spec == VariantSpec(kind="coder", options=options)
    before = VariantSpec(kind="coder", options=options)
    assert program_fingerprint(spec, spec.build()) == program_fingerprint(before, before.build())
    assert spec.build().config.drafts == options.get("drafts", 0)


def test_unknown_variant_and_bad_options_are_usage_errors():
    with pytest.raises(UsageError, match="Unknown variant"):
        resolve_variant("gpt")
    with pytest.raises(UsageError, match="max_iterations"):  # the Coder checks its own options
        resolve_variant("coder", {"max_iterations": 0}).build()


def test_builtin_variants_build_the_right_programs():
    assert isinstance(resolve_variant("baseline").build().write, dspy.Predict)
    assert isinstance(resolve_variant("cot").build().write, dspy.ChainOfThought)


def test_coder_variant_passes_its_options():
    coder = resolve_variant(
        "coder", {"use_refine": False, "max_iterations": 2, "refine_attempts": 3}
    ).build()
    assert type(coder).__name__ == "Coder"
    assert coder.config.max_iterations == 2 and coder.config.use_refine is False
    assert coder.config.refine_attempts == 3


def test_fingerprint_follows_instructions_and_demos():
    spec = resolve_variant("baseline")
    a, b = spec.build(), spec.build()
    assert program_fingerprint(spec, a) == program_fingerprint(spec, b)
    b.write.demos = [dspy.Example(prompt="def f(): ...", code="def f():\n    return 1")]
    assert program_fingerprint(spec, a) != program_fingerprint(spec, b)
    assert program_fingerprint(spec, a) != program_fingerprint(
        resolve_variant("cot"), resolve_variant("cot").build()
    )


def _save_compiled(tmp_path: Path, kind: str) -> Path:
    program = SingleShot(chain_of_thought=kind == "cot")
    predictor = program.write.predict if kind == "cot" else program.write
    predictor.demos = [dspy.Example(prompt="def one():", code="def one():\n    return 1")]
    path = tmp_path / "compiled.json"
    program.save(str(path))
    return path


def test_compiled_program_is_rebuilt_from_its_sidecar(tmp_path: Path):
    path = _save_compiled(tmp_path, "cot")
    (tmp_path / "compiled.meta.json").write_text(json.dumps({"program": "cot", "score": 0.5}))
    spec = load_program_variant(path)
    assert spec.kind == "cot" and spec.label == "cot@compiled"
    program = spec.build()
    assert program.write.predict.demos[0]["code"] == "def one():\n    return 1"
    plain = resolve_variant("cot")
    assert program_fingerprint(spec, program) != program_fingerprint(plain, plain.build())


def test_compiled_program_without_sidecar_or_with_wrong_kind(tmp_path: Path):
    path = _save_compiled(tmp_path, "baseline")
    with pytest.raises(UsageError, match="sidecar"):
        load_program_variant(path)
    (tmp_path / "compiled.meta.json").write_text(json.dumps({"program": "transformer"}))
    with pytest.raises(UsageError, match="must be one of"):
        load_program_variant(path)
    with pytest.raises(UsageError, match="no such file"):
        load_program_variant(tmp_path / "missing.json")


def test_custom_factory_variant():
    program = SingleShot()
    spec = VariantSpec(kind="custom", name="mine", factory=lambda: program)
    assert spec.build() is program and spec.label == "mine"


def test_compiled_program_directory_and_compile_overlap(tmp_path: Path):
    from dspy_coder.bench.variants import check_compile_overlap

    run_dir = tmp_path / "mipro-baseline"
    run_dir.mkdir()
    SingleShot().save(str(run_dir / "program.json"))
    (run_dir / "program.meta.json").write_text(
        json.dumps(
            {
                "program": "baseline",
                "split": {"seed": 2026, "train_used": ["HumanEval/1"], "dev_used": ["HumanEval/7"]},
            }
        )
    )
    spec = load_program_variant(run_dir)
    assert spec.label == "baseline@mipro-baseline"
    assert spec.compile_ids == {"HumanEval/1", "HumanEval/7"}
    check_compile_overlap(spec, ["HumanEval/0", "HumanEval/2"])  # held-out: fine
    with pytest.raises(UsageError, match="compiled on 1 of the selected problems"):
        check_compile_overlap(spec, ["HumanEval/0", "HumanEval/7"])


def test_pipeline_options_override_a_compiled_pipelines_saved_options(tmp_path: Path):
    (tmp_path / "program.json").write_text("{}")
    (tmp_path / "program.meta.json").write_text(
        json.dumps({"program": "coder", "options": {"threshold": 0.9, "use_tests": True}})
    )
    spec = load_program_variant(tmp_path, {"use_tests": False, "max_iterations": 2})
    assert spec.options == {"threshold": 0.9, "use_tests": False, "max_iterations": 2}
    assert load_program_variant(tmp_path).options == {"threshold": 0.9, "use_tests": True}
    baseline = tmp_path / "b"
    baseline.mkdir()
    (baseline / "program.json").write_text("{}")
    (baseline / "program.meta.json").write_text(json.dumps({"program": "baseline"}))
    assert load_program_variant(baseline, {"use_tests": False}).options == {}


def test_a_senior_model_is_part_of_a_variants_label_and_fingerprint(monkeypatch):
    import dspy

    import dspy_coder.lm
    from dspy_coder.bench.variants import program_fingerprint, resolve_variant

    built = []
    monkeypatch.setattr(dspy_coder.lm, "make_lm",
                        lambda spec, **kw: built.append((spec, kw)) or dspy.LM("openai/x"))
    alone = resolve_variant("coder")
    guided = resolve_variant("coder", {"senior_lm": "local:qwen2.5-coder-1.5b",
                                       "checkpoint_interval": 1})
    assert guided.label == f"{alone.label}-cp1-senior-qwen2.5-coder-1.5b"
    program = guided.build()
    assert built == [("local:qwen2.5-coder-1.5b", {"temperature": 0.0})]
    assert program.senior.lm.model == "openai/x"
    assert program_fingerprint(guided, program) != program_fingerprint(alone, alone.build())


def test_method_samples_names_a_per_method_pipeline_only():
    # a per_method pipeline drawing one answer per method keeps the label its rows were run
    # under; the whole-class pipeline never reads the setting, so it is not in its options
    per_method = resolve_variant("coder", {"class_strategy": "per_method"})
    assert per_method.label == "coder-drafts4-class-per_method-msamples2"
    one_draw = resolve_variant("coder", {"class_strategy": "per_method", "method_samples": 1})
    assert one_draw.label == "coder-drafts4-class-per_method"
    assert resolve_variant("coder", {"method_samples": 3}).options == {"drafts": 4}
