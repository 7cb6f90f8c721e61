"""Training data from HumanEval plus MBPP: each set split on its own, fixed and seeded, train/dev
disjoint from every set's held-out test split (the one ``bench --split test`` runs)."""

from __future__ import annotations

import pytest

from dspy_coder.datasets import load_problems, select_problems
from dspy_coder.errors import UsageError
from dspy_coder.optimizers.data import build_split, held_out_problems
from dspy_coder.optimizers.pool import ProblemPool, as_pool, load_pool, parse_train_data

from .conftest import make_problems


@pytest.fixture(scope="module")
def pool() -> ProblemPool:
    return load_pool("humaneval,mbpp-evalplus")


def ids(problems) -> set[str]:
    return {p.task_id for p in problems}


def test_one_set_is_split_exactly_as_bench_splits_it(problems):
    pool = as_pool(problems)
    for split in ("train", "dev", "test"):
        assert pool.split(split) == select_problems(problems, split=split)
    assert held_out_problems(problems) == select_problems(problems, split="test")
    assert load_pool("humaneval").split("train") == build_split(
        load_problems("humaneval"), "train").problems


def test_humaneval_and_mbpp_splits_are_disjoint_fixed_and_bench_compatible(pool):
    humaneval, mbpp = load_problems("humaneval"), load_problems("mbpp")
    humaneval_test = ids(select_problems(humaneval, split="test"))
    mbpp_test = ids(select_problems(mbpp, split="test"))  # bench --dataset mbpp(-evalplus)
    train, dev = ids(pool.split("train")), ids(pool.split("dev"))
    assert len(humaneval_test) == 65 and len(mbpp_test) == 171  # >= 150 MBPP problems held out
    assert not (train | dev) & (humaneval_test | mbpp_test)
    assert not train & dev
    assert ids(pool.held_out()) == humaneval_test | mbpp_test
    assert len(train) == 66 + 171 and len(dev) == 33 + 85
    assert pool.split_sizes()["mbpp-evalplus"] == {"train": 171, "dev": 85, "test": 171}
    again = load_pool("humaneval,mbpp-evalplus")
    assert [p.task_id for p in again.split("train")] == [p.task_id for p in pool.split("train")]
    reseeded = [p.task_id for p in pool.split("train", seed=7)]
    assert reseeded != [p.task_id for p in pool.split("train")]


def test_a_budgets_first_problems_mix_the_sets(pool):
    first = build_split(pool, "train", limit=12).task_ids
    assert any(t.startswith("HumanEval/") for t in first)
    assert any(t.startswith("Mbpp/") for t in first)


def test_build_split_refuses_the_test_split_and_ids_outside_the_split(pool):
    with pytest.raises(UsageError, match="test split is held out"):
        build_split(pool, "test")
    dev_ids = [p.task_id for p in pool.split("dev")][:3]
    assert build_split(pool, "dev", task_ids=dev_ids[::-1]).task_ids == dev_ids[::-1]
    held_out = pool.held_out()[0].task_id
    with pytest.raises(UsageError, match=f"Not in the dev split: {held_out}"):
        build_split(pool, "dev", task_ids=[held_out])


def test_mbpp_examples_carry_the_shown_assert_but_no_hidden_one(pool):
    train = build_split(pool, "train")
    for example in train.dspy_examples:
        if not example.task_id.startswith("Mbpp/"):
            continue
        asserts = [line.strip() for line in train.tests[example.task_id].splitlines()
                   if line.strip().startswith("assert")]
        assert asserts[0] in example.prompt
        assert not any(line in example.prompt for line in asserts[1:])
        assert set(example.inputs().keys()) == {"prompt", "entry_point", "task_id"}


def test_the_same_problems_twice_and_bad_lists_are_usage_errors():
    with pytest.raises(UsageError, match="mbpp and mbpp-evalplus are the same problems"):
        load_pool("mbpp,mbpp-evalplus")
    with pytest.raises(UsageError, match="more than once"):
        parse_train_data("humaneval, humaneval")
    with pytest.raises(UsageError, match="at least one problem set"):
        parse_train_data(" , ")
    with pytest.raises(UsageError, match="does not exist"):
        load_pool("humaneval,nowhere.jsonl")
    with pytest.raises(UsageError, match="non-empty"):
        ProblemPool({"a": make_problems(3), "b": []})
