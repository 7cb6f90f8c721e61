"""Docstring examples become ground-truth tests; checked against all of HumanEval."""

from __future__ import annotations

import logging

import pytest

from dspy_coder.datasets import load_problems
from dspy_coder.task.doc_examples import doc_example_tests, extract_doc_examples
from dspy_coder.task.example_check import EXAMPLES_FAILED, example_check_program

logger = logging.getLogger(__name__)


def test_doctest_and_inline_forms():
    prompt = (
        "def f(x):\n"
        '    """\n'
        "    >>> f(1)\n"
        "    2\n"
        "    f(2) ➞ 3\n"
        "    f(3) == 4\n"
        "    For example: f(4) should return 5.\n"
        "    f(n) = f(n-1) + 1\n"
        "    f(5) => true\n"
        '    """\n'
    )
    pairs = [(e.call, e.expected) for e in extract_doc_examples(prompt, "f")]
    assert pairs == [("f(1)", "2"), ("f(2)", "3"), ("f(3)", "4"), ("f(4)", "5"), ("f(5)", "True")]


def _pairs(prompt: str, entry_point: str) -> list[tuple[str, str]]:
    return [(e.call, e.expected) for e in extract_doc_examples(prompt, entry_point)]


def test_doctest_expressions_and_bare_comparisons():
    prompt = (
        "def helper(x):\n    return x\n\n"
        "def f(xs):\n"
        '    """\n'
        "    >>> round(f([1, 2]), 2) # f(x) = 1 + 2x\n"
        "    -0.5\n"
        "    >>> f(helper([3])) == 4\n"
        "    >>> f([]) == None\n"
        "    >>> f([1, 0]) [0, 1]\n"
        "    >>> f(a) == 1\n"
        "    >>> g([1])\n"
        "    2\n"
        '    """\n'
    )
    assert _pairs(prompt, "f") == [
        ("round(f([1, 2]), 2)", "-0.5"),
        ("f(helper([3]))", "4"),
        ("f([])", "None"),
    ]


def test_equals_comment_and_prose_forms():
    prompt = (
        "def f(s, n):\n"
        '    """\n'
        "    f(12, 15) = 14\n"
        '    f(1, 2)   # returns "db1db"\n'
        "    f(\"x\") # => 'No' (the name should start with a letter)\n"
        '    f("5 apples", 19) ->19 - 5 - 6 = 8\n'
        '    f("bad", 3) -> 3 - 1 = 9\n'
        "    f(a) => False\n"
        "    f(abc) => True\n"
        '    f("q", 1) => abc\n'
        "    assert f(2, 3) == 5\n"
        '    """\n'
    )
    assert _pairs(prompt, "f") == [
        ("f(12, 15)", "14"),
        ("f(1, 2)", '"db1db"'),
        ('f("x")', "'No'"),
        ('f("5 apples", 19)', "8"),
        ("f(2, 3)", "5"),
    ]


def test_recurrence_equals_is_maths_not_an_example():
    prompt = (
        "def tri(n):\n"
        '    """\n'
        "    tri(n) = 1 + n / 2, if n is even.\n"
        "    tri(2) = 1 + (2 / 2) = 2\n"
        "    tri(3) -> [1, 3, 2, 8]\n"
        '    """\n'
    )
    assert _pairs(prompt, "tri") == [("tri(3)", "[1, 3, 2, 8]")]


def test_named_inputs_map_onto_parameters_by_name():
    prompt = (
        "def f(arr, k):\n"
        '    """\n'
        "    For k = 2, arr = [1, 2], the result should be ('b',False)\n"
        "    For arr = [3] k = 1 the output should be 7.\n"
        '    For arr = [4], k = 1, the sum will be 1 the output should be "1".\n'
        "    For lst = [1], k = 1 the output should be 2\n"
        "    Example 1:\n"
        "        Input: arr = [-3, -4, 5], k = 3\n"
        "        Output: [-4, -3, 5]\n"
        "    Example 2:\n"
        "        Input:\n"
        "            arr : [[0, 1], [1, 1]]\n"
        "            k : 2\n"
        "        Output: 24 # sum of 21 + 3\n"
        "    Example 3:\n"
        "        Input:\n"
        "            arr : [1]\n"
        "            bucket_k : 2\n"
        "        Output: 5\n"
        "    Example 4:\n"
        "        Input: [1, 2]\n"
        "        Output: 3\n"
        '    """\n'
    )
    assert _pairs(prompt, "f") == [
        ("f([1, 2], 2)", "('b',False)"),
        ("f([4], 1)", '"1"'),
        ("f([-3, -4, 5], 3)", "[-4, -3, 5]"),
        ("f([[0, 1], [1, 1]], 2)", "24"),
    ]


def test_bare_input_and_assignment_then_return_blocks():
    prompt = (
        "def g(arr):\n"
        '    """\n'
        "    Input: [4,2,3]\n"
        "    Output: [2, 1]\n"
        "    arr = [2, 1]\n"
        "          -> sort arr -> [1, 2]\n"
        '    return ["Two", "One"]\n'
        "    arr = []\n"
        "    return = []\n"
        "    n = 3\n"
        "    return 4\n"
        '    """\n'
    )
    assert _pairs(prompt, "g") == [
        ("g([4,2,3])", "[2, 1]"),
        ("g([2, 1])", '["Two", "One"]'),
        ("g([])", "[]"),
    ]


def test_rendered_test_reports_call_and_values():
    [example] = extract_doc_examples("def f(x):\n    >>> f(1)\n    2\n", "f")
    [test] = doc_example_tests([example])
    namespace: dict = {}
    exec("def f(x):\n    return 7\n" + test.code, namespace)
    with pytest.raises(AssertionError, match=r"f\(1\) returned 7, expected 2"):
        namespace[test.name]()
    assert test.source == "docstring" and test.vetted


# HumanEval docstrings that contradict the reference solution (the docstring is wrong):
DOCSTRING_WRONG = {
    "HumanEval/47": "median([-10, 4, 6, 1000, 10, 20]) is 8.0, the docstring says 15.0",
    "HumanEval/116": "sort_array([1, 5, 2, 3, 4]) sorts by count of ones ([1, 2, 4, 3, 5]) and "
    "negatives by bin() text; the docstring shows plain numeric order",
    "HumanEval/148": 'bf("Earth", "Mercury") is the tuple ("Venus",); the docstring writes '
    '("Venus"), which is a string',
}
# HumanEval prompts with no example we can trust, and why:
WITHOUT_EXAMPLES = {
    "HumanEval/38": "docstring has no example",
    "HumanEval/41": "docstring has no example",
    "HumanEval/50": "docstring has no example",
    "HumanEval/83": "docstring has no example",
    "HumanEval/80": "arguments are unquoted strings: is_happy(abcd) => True",
    "HumanEval/81": "examples call grade_equation, not numerical_letter_grade",
    "HumanEval/149": "examples call list_sort, not sorted_list_sum",
    "HumanEval/115": "inputs are named bucket_capacity, the parameter is capacity",
    "HumanEval/130": "tri(n) = ... defines the sequence, so tri(2) = 2 is maths, not the "
    "function's output (a list)",
    "HumanEval/160": "inputs are named operator (no '=') and array, the parameter is operand",
}


@pytest.fixture(scope="module")
def humaneval():
    return load_problems("humaneval")


def test_humaneval_examples_agree_with_canonical_solutions(humaneval):
    """Every example extracted from the 164 prompts passes the example check (the scorer's and
    the CodeGenerator's) on the reference solution, except where HumanEval's own docstring is
    wrong (DOCSTRING_WRONG)."""
    total, mismatched = 0, set()
    for problem in humaneval:
        examples = extract_doc_examples(problem.prompt, problem.entry_point)
        total += len(examples)
        check = example_check_program(
            problem.prompt + problem.canonical_solution, problem.entry_point, examples
        )
        try:
            exec(check, {})
        except AssertionError as exc:
            assert str(exc).startswith(EXAMPLES_FAILED) and " raised " not in str(exc)
            mismatched.add(problem.task_id)
    assert total >= 440
    assert mismatched == set(DOCSTRING_WRONG)


def test_humaneval_coverage_does_not_regress(humaneval):
    """At most 10 of 164 problems yield no example, each for a documented reason."""
    without = {
        problem.task_id
        for problem in humaneval
        if not extract_doc_examples(problem.prompt, problem.entry_point)
    }
    logger.info("HumanEval problems without docstring examples: %s", sorted(without))
    assert without <= set(WITHOUT_EXAMPLES), sorted(without - set(WITHOUT_EXAMPLES))
    assert len(without) <= 10


def test_rendered_tests_compile_and_pass_for_every_humaneval_example(humaneval):
    """The rendered test functions are valid Python for every example (quotes, nesting) and
    pass on the reference solution, except HumanEval's wrong docstrings."""
    failing = set()
    for problem in humaneval:
        namespace: dict = {}
        exec(problem.prompt + problem.canonical_solution, namespace)
        for test in doc_example_tests(extract_doc_examples(problem.prompt, problem.entry_point)):
            exec(compile(test.code, f"{problem.task_id}.py", "exec"), namespace)
            try:
                namespace[test.name]()
            except AssertionError as exc:
                assert "returned" in str(exc) and "expected" in str(exc)
                failing.add(problem.task_id)
    assert failing == set(DOCSTRING_WRONG)


def test_message_quotes_a_call_with_string_arguments():
    [example] = extract_doc_examples("def f(s):\n    >>> f('ab')\n    2\n", "f")
    [test] = doc_example_tests([example])
    namespace: dict = {"f": len, "call": None}
    exec("def f(s):\n    return 5\n" + test.code, namespace)
    with pytest.raises(AssertionError, match=r"f\('ab'\) returned 5, expected 2"):
        namespace[test.name]()


def test_a_line_of_prose_gives_each_of_its_examples():
    """A person writes examples into a sentence, several to a line, after the signature's own
    ``slugify(text)``: each call with literal arguments and its value count, joined by "and"
    or a comma; the signature is passed over, not taken for the line's only call."""
    prompt = ("Write a function slugify(text) that lowercases text. For example "
              "slugify('Hello, World!') returns 'hello-world' and slugify('A  b') -> 'a-b', "
              "slugify('x') == 'x'.")
    assert _pairs(prompt, "slugify") == [("slugify('Hello, World!')", "'hello-world'"),
                                         ("slugify('A  b')", "'a-b'"), ("slugify('x')", "'x'")]
    # the verbs people write: gives, yields, is, evaluates to
    assert _pairs("is_even(4) is True, is_even(3) gives False; is_even(0) evaluates to True.",
                  "is_even") == [("is_even(4)", "True"), ("is_even(3)", "False"),
                                 ("is_even(0)", "True")]
    assert _pairs("is_even(x) is a function: is_even(2) yields True", "is_even") == [
        ("is_even(2)", "True")]
    # a value that is not a literal once its joining words are gone is still skipped
    assert _pairs("f(1) returns two and f(2) returns 4.", "f") == [("f(2)", "4")]
