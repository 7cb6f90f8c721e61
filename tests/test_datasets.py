import json

import pytest

from dspy_coder.datasets import (
    Problem,
    load_problems,
    select_problems,
    split_assignment,
    strip_doc_examples,
)
from dspy_coder.errors import UsageError


def test_humaneval_loads_all_problems_and_task_hides_tests():
    problems = load_problems("humaneval")
    assert len(problems) == 164
    task = problems[0].to_task()
    assert "test" not in task.model_dump()
    assert task.entry_point == problems[0].entry_point


def test_a_problem_becomes_a_task_through_the_same_checks_as_a_users_task():
    problem = Problem(task_id="x/1", prompt="def f(x):\n    pass\n", entry_point="f-g", test="")
    with pytest.raises(UsageError, match="not a Python identifier"):
        problem.to_task()


def test_splits_are_disjoint_fixed_and_cover_everything():
    problems = load_problems("humaneval")
    first, second = split_assignment(problems), split_assignment(problems)
    assert first == second
    sizes = {name: sum(1 for v in first.values() if v == name) for name in ("train", "dev", "test")}
    assert sizes == {"train": 66, "dev": 33, "test": 65}
    test_ids = {p.task_id for p in select_problems(problems, split="test")}
    train_ids = {p.task_id for p in select_problems(problems, split="train")}
    assert not test_ids & train_ids


def test_stride_and_limit():
    problems = load_problems("humaneval")
    every_eighth = select_problems(problems, stride=8)
    assert [p.task_id for p in every_eighth][:3] == ["HumanEval/0", "HumanEval/8", "HumanEval/16"]
    assert len(every_eighth) == 21
    assert len(select_problems(problems, stride=8, limit=2)) == 2


def test_user_jsonl_with_missing_field_gets_clear_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"task_id": "x", "prompt": "def f(): pass"}) + "\n")
    with pytest.raises(UsageError, match="lacks entry_point, test"):
        load_problems(path)


def test_unknown_ids_are_named():
    with pytest.raises(UsageError, match="Nope/1"):
        select_problems(load_problems("humaneval"), ids=["Nope/1"])


def test_a_task_can_be_named_by_its_number():
    problems = load_problems("humaneval")
    chosen = select_problems(problems, ids=["110", "HumanEval/3"])
    assert [p.task_id for p in chosen] == ["HumanEval/110", "HumanEval/3"]


def test_an_unknown_number_is_named_with_the_split_and_an_example():
    problems = load_problems("humaneval")
    test_ids = {p.task_id for p in select_problems(problems, split="test")}
    outside = next(p.task_id for p in problems if p.task_id not in test_ids).split("/")[1]
    with pytest.raises(UsageError, match=rf"in the test split: {outside} \(ids look like"):
        select_problems(problems, split="test", ids=[outside])


@pytest.mark.parametrize("content", ["", "\n  \n"])
def test_an_empty_dataset_file_is_named_in_a_clear_error(tmp_path, content):
    path = tmp_path / "empty.jsonl"
    path.write_text(content)
    with pytest.raises(UsageError) as raised:
        load_problems(path)
    message = str(raised.value)
    assert str(path) in message and "is empty" in message
    assert "StopIteration" not in message


def test_a_prompt_that_is_not_python_is_rejected_with_its_task_id(tmp_path):
    def problem(task_id: str, prompt: str) -> str:
        return json.dumps({"task_id": task_id, "prompt": prompt, "entry_point": "f",
                           "test": "def check(candidate):\n    assert candidate(1) == 1\n"})

    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join([
        problem("Mine/ok", 'def f(x):\n    """Return x."""\n'),
        problem("Mine/no_body_yet", "def f(x):\n"),  # HumanEval style: the answer writes the body
        problem("Mine/broken", 'def f(x:\n    """Return x."""\n'),
    ]) + "\n")
    with pytest.raises(UsageError) as raised:
        load_problems(path)
    message = str(raised.value)
    assert "Mine/broken" in message and "not valid Python" in message and "line 1" in message
    assert "Mine/ok" not in message and "Mine/no_body_yet" not in message


def test_stripped_humaneval_keeps_ids_tests_and_solvability_but_no_example():
    """The Tasks bring no example; the hidden tests, ids and entry points are unchanged, and
    every reference solution completes the stripped prompt and passes (in-process check)."""
    problems = load_problems("humaneval")
    stripped = strip_doc_examples(problems)
    assert [(p.task_id, p.entry_point, p.test) for p in stripped] == [
        (p.task_id, p.entry_point, p.test) for p in problems
    ]
    assert sum(s.prompt != p.prompt for s, p in zip(stripped, problems, strict=True)) == 160
    for problem in stripped:
        assert problem.to_task().examples == [], problem.task_id
        namespace: dict = {}
        exec(problem.reference_code() + "\n" + problem.test, namespace)
        namespace["check"](namespace[problem.entry_point])


def test_an_example_the_stripper_cannot_remove_is_named(caplog):
    problem = Problem(
        task_id="x/1", prompt="def f(x):\n    # f(1) == 2\n    pass\n", entry_point="f", test=""
    )
    with caplog.at_level("WARNING", logger="dspy_coder.datasets"):
        [stripped] = strip_doc_examples([problem])
    assert stripped.prompt == problem.prompt  # a comment is no docstring: left as it is
    assert "1 prompt(s) keep docstring examples" in caplog.text and "x/1" in caplog.text
