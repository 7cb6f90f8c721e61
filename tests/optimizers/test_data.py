from __future__ import annotations

import pytest

from dspy_coder.datasets import split_assignment
from dspy_coder.errors import UsageError
from dspy_coder.optimizers.data import INPUT_KEYS, build_split, held_out_problems


def test_test_split_is_refused(problems):
    with pytest.raises(UsageError, match="test split is held out"):
        build_split(problems, "test")


def test_unknown_split_is_refused(problems):
    with pytest.raises(UsageError):
        build_split(problems, "validation")


def test_train_and_dev_come_only_from_their_split(problems):
    assignment = split_assignment(problems)
    train, dev = build_split(problems, "train"), build_split(problems, "dev")
    assert train.task_ids and dev.task_ids
    assert {assignment[t] for t in train.task_ids} == {"train"}
    assert {assignment[t] for t in dev.task_ids} == {"dev"}
    held_out = {p.task_id for p in held_out_problems(problems)}
    assert held_out and held_out.isdisjoint(train.task_ids + dev.task_ids)


def test_examples_carry_inputs_but_never_the_hidden_test(problems):
    train = build_split(problems, "train", limit=3)
    assert len(train) == 3
    for example in train.dspy_examples:
        assert set(example.inputs().keys()) == set(INPUT_KEYS)
        assert "test" not in example.toDict()
        assert "check(candidate)" not in str(example.toDict())
    assert set(train.tests) == set(train.task_ids)


def test_reference_label_is_optional(problems):
    train = build_split(problems, "train", limit=1, with_reference=True)
    example = train.dspy_examples[0]
    assert example.code.startswith(example.prompt) and "return x +" in example.code
    assert "code" not in example.inputs().keys()


def test_split_order_is_seeded_and_stable(problems):
    assert build_split(problems, "train").task_ids == build_split(problems, "train").task_ids
    reseeded = build_split(problems, "train", seed=1).task_ids
    assert reseeded != build_split(problems, "train").task_ids
