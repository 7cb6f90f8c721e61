"""CoderConfig: one owner for every pipeline setting, its default, its check and its identity."""

from __future__ import annotations

import copy
import pickle

import pytest

from dspy_coder.errors import UsageError
from dspy_coder.judge.scoring import ScoreWeights
from dspy_coder.pipeline.config import IDENTITY_REFERENCE, CoderConfig

# What ``Coder.config`` held before CoderConfig: committed fingerprints hash exactly this.
CONFIG_BEFORE = dict(
    max_iterations=4, threshold=0.95, patience=2, routing="auto", use_plan=True,
    use_tests=True, use_refine=True, refine_attempts=1, reason_first=False,
    refine_strategy="repair", drafts=4,
)


def test_the_reference_identity_is_what_fingerprints_always_hashed():
    assert IDENTITY_REFERENCE.identity() == CONFIG_BEFORE
    assert IDENTITY_REFERENCE.replace(drafts=0).identity() == {**CONFIG_BEFORE, "drafts": 0}


def test_a_changed_default_changes_the_identity():
    """The assessor's budget went from 96 to 256 tokens (its reply was cut off before the
    route): the default pipeline is another pipeline now, and its fingerprint says so."""
    assert CoderConfig().identity() == {
        **CONFIG_BEFORE,
        "step_max_tokens": {**IDENTITY_REFERENCE.step_max_tokens, "assess": 256},
    }


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        ({"timeout_s": 5.0}, {"timeout_s": 5.0}),
        ({"weights": ScoreWeights(tests=1.0, performance=0.0)},
         {"weights": {"tests": 1.0, "performance": 0.0}}),
        ({"step_max_tokens": {**IDENTITY_REFERENCE.step_max_tokens, "plan": 300}},
         {"step_max_tokens": {**IDENTITY_REFERENCE.step_max_tokens, "plan": 300}}),
        ({"generate_max_iters": 1}, {"generate_max_iters": 1}),
    ],
)
def test_a_setting_outside_the_old_config_joins_the_identity_when_it_differs(change, shown):
    assert IDENTITY_REFERENCE.replace(**change).identity() == {**CONFIG_BEFORE, **shown}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"max_iterations": 0}, "max_iterations must be at least 1 (got 0)"),
        ({"threshold": 1.5}, "threshold must be between 0 and 1"),
        ({"routing": "fast"}, "routing must be one of auto, simple, complex"),
        ({"drafts": -1}, "drafts must be 0 or more"),
        ({"timeout_s": 0}, "timeout_s must be more than 0"),
        ({"step_max_tokens": {"nap": 5}}, "step_max_tokens maps steps"),
    ],
)
def test_out_of_range_settings_are_usage_errors_naming_the_rule(change, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        CoderConfig(**change)


def test_replace_checks_names_and_values_and_leaves_the_original():
    config = CoderConfig()
    assert config.replace(drafts=0).drafts == 0 and config.drafts == 4
    with pytest.raises(UsageError, match="Unknown Coder setting.*max_iteration"):
        config.replace(max_iteration=3)
    with pytest.raises(UsageError, match="patience must be at least 1"):
        config.replace(patience=0)


def test_a_config_is_immutable_and_survives_copy_and_pickle():
    config = CoderConfig(max_iterations=2, step_max_tokens={"plan": 100})
    with pytest.raises(AttributeError):
        config.max_iterations = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.step_max_tokens["plan"] = 5  # type: ignore[index]
    assert copy.deepcopy(config) is config
    assert pickle.loads(pickle.dumps(config)) == config


def test_the_coder_runs_with_the_config_it_is_given():
    from dspy_coder.pipeline.coder import Coder

    config = CoderConfig(max_iterations=2, step_max_tokens={"plan": 123})
    coder = Coder(config, drafts=0, executor=object(), interpreter_factory=object,
                  profiler=lambda *a: None)
    assert coder.config == config.replace(drafts=0)
    assert coder.planner.config["max_tokens"] == 123
    with pytest.raises(UsageError, match="Unknown Coder setting"):
        Coder(max_iteration=2, executor=object(), interpreter_factory=object)
