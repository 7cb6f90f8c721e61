"""MBPP as task sentence + signature: the stub, the entry point the asserts call, the hidden
test, and loading from the shared datasets folder (its grading is in tests/bench/test_grading)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dspy_coder.datasets import load_problems, prompt_syntax_error, select_problems
from dspy_coder.errors import UsageError
from dspy_coder.mbpp import (
    MBPP_FILE,
    entry_function,
    hidden_test,
    mbpp_problem,
    stub,
    with_shown_assert,
)
from dspy_coder.task.doc_examples import extract_doc_examples


@pytest.fixture(scope="module")
def mbpp():
    return load_problems("mbpp")


def test_all_427_problems_load_as_sentence_and_signature(mbpp):
    assert len(mbpp) == 427
    assert len({p.task_id for p in mbpp}) == 427
    first = mbpp[0]
    assert (first.task_id, first.entry_point) == ("Mbpp/2", "similar_elements")
    assert first.prompt == (
        "def similar_elements(test_tup1, test_tup2):\n"
        '    """Write a function to find the shared elements from the given two lists."""\n'
    )
    for problem in mbpp:
        assert prompt_syntax_error(problem.prompt) is None, problem.task_id
        assert extract_doc_examples(problem.prompt, problem.entry_point) == [], problem.task_id
        assert "assert" not in problem.prompt, problem.task_id
        task = problem.to_task()
        assert (task.entry_point, task.examples) == (problem.entry_point, [])


def test_the_entry_point_is_the_function_the_asserts_call(mbpp):
    by_id = {p.task_id: p for p in mbpp}
    # helpers defined first (Mbpp/6), a name the hidden test must not shadow (Mbpp/56), a
    # function named like a test (Mbpp/19)
    assert by_id["Mbpp/6"].entry_point == "differ_At_One_Bit_Pos"
    assert by_id["Mbpp/56"].entry_point == "check"
    assert by_id["Mbpp/19"].entry_point == "test_duplicate"
    code = "class Pair:\n    pass\n\ndef helper(x):\n    return x\n\ndef f(a, b=2):\n    return 1\n"
    assert entry_function(code, ["assert f(helper(1)) == 1", "assert f(2, 3) == 1"]).name == "f"
    with pytest.raises(ValueError, match="called by every assert"):
        entry_function(code, ["assert helper(1) == 1", "assert f(1) == 1"])


def test_the_stub_drops_annotations_escapes_quotes_and_wraps_long_sentences():
    function = ast.parse("def f(xs: List[int], *rest: int, key=None) -> int:\n    pass\n").body[0]
    assert stub(function, 'Say "hi"') == 'def f(xs, *rest, key=None):\n    """Say "hi\\""""\n'
    long = stub(function, "Write a function that " + "does a thing and " * 10 + "stops.")
    lines = long.splitlines()
    assert len(lines) > 3 and lines[-1] == '    """' and max(map(len, lines)) <= 92
    assert prompt_syntax_error(long) is None and ast.get_docstring(ast.parse(long).body[0])


def test_the_hidden_test_is_the_imports_and_one_test_per_assert():
    test = hidden_test(["import math"], ["assert f(1) == 1", "assert math.isclose(f(2), 2)"])
    assert test == (
        "import math\n\n"
        "def test_mbpp_assert_1():\n    assert f(1) == 1\n\n"
        "def test_mbpp_assert_2():\n    assert math.isclose(f(2), 2)\n"
    )
    record = {
        "task_id": 7, "prompt": "Write f.", "code": "def f(x):\n    return x",
        "test_imports": [], "test_list": ["assert f(1) == 1"],
    }
    problem = mbpp_problem(record)
    assert problem["task_id"] == "Mbpp/7" and problem["canonical_solution"] == record["code"]


def test_reference_code_is_the_whole_reference_program(mbpp):
    assert mbpp[0].reference_code() == mbpp[0].canonical_solution
    humaneval = load_problems("humaneval")[0]
    assert humaneval.reference_code() == humaneval.prompt + humaneval.canonical_solution


def test_problems_are_selected_by_number_and_split(mbpp):
    assert [p.task_id for p in select_problems(mbpp, ids=["2", "Mbpp/3"])] == ["Mbpp/2", "Mbpp/3"]
    sizes = [len(select_problems(mbpp, split=name)) for name in ("train", "dev", "test")]
    assert sum(sizes) == 427


def test_a_missing_datasets_folder_is_a_usage_error_naming_the_path(tmp_path: Path):
    with pytest.raises(UsageError, match=str(tmp_path / MBPP_FILE)):
        load_problems("mbpp", datasets_dir=tmp_path)
    (tmp_path / MBPP_FILE).parent.mkdir(parents=True)
    (tmp_path / MBPP_FILE).write_text('[{"task_id": 1, "prompt": "x"}]')
    with pytest.raises(UsageError, match="MBPP task 1 is malformed"):
        load_problems("mbpp", datasets_dir=tmp_path)


def test_mbpp_evalplus_shows_the_first_assert_only_and_keeps_ids_tests_and_splits(mbpp):
    shown = load_problems("mbpp-evalplus")
    assert [p.task_id for p in shown] == [p.task_id for p in mbpp]
    assert select_problems(shown, split="test") == [
        p for p in shown if p.task_id in {q.task_id for q in select_problems(mbpp, split="test")}
    ]
    first = shown[0]
    assert first.prompt == (
        "def similar_elements(test_tup1, test_tup2):\n"
        '    """Write a function to find the shared elements from the given two lists.\n\n'
        "    assert set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10))) == set((4, 5))\n"
        '    """\n'
    )
    with_examples = 0
    for stub_form, problem in zip(mbpp, shown, strict=True):
        assert problem.test == stub_form.test and problem.entry_point == stub_form.entry_point
        asserts = [line.strip() for line in problem.test.splitlines()
                   if line.strip().startswith("assert")]
        assert prompt_syntax_error(problem.prompt) is None, problem.task_id
        assert asserts[0] in problem.prompt, problem.task_id
        assert not any(line in problem.prompt for line in asserts[1:]), problem.task_id
        with_examples += bool(problem.to_task().examples)
    assert with_examples == 401  # the rest (set(...), math.isclose, bare truth) stay text


def test_the_shown_assert_is_the_docstrings_last_line_and_must_fit_on_one():
    function = ast.parse("def f(x):\n    pass\n").body[0]
    for sentence in ("Say hi.", "Say " + "a lot " * 30):  # one-line and wrapped docstrings
        wrapped = with_shown_assert(stub(function, sentence), "assert f(1) == 2")
        assert wrapped.endswith('.\n\n    assert f(1) == 2\n    """\n') or wrapped.endswith(
            'lot\n\n    assert f(1) == 2\n    """\n')
        assert prompt_syntax_error(wrapped) is None
        assert [e.call for e in extract_doc_examples(wrapped, "f")] == ["f(1)"]
    with pytest.raises(ValueError, match="one docstring line"):
        with_shown_assert(stub(function, "Say hi"), 'assert f("""x""") == 1')
