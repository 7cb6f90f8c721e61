"""Stripping examples from prompts (issue #20): all of HumanEval loses every example and keeps
its code, signature and task description; the rewrites a reader sees are the documented ones."""

from __future__ import annotations

import ast
import logging

import pytest

from dspy_coder.datasets import Problem, load_problems, prompt_syntax_error
from dspy_coder.task.doc_examples import extract_doc_examples
from dspy_coder.task.example_lines import is_header
from dspy_coder.task.strip_examples import strip_examples

# HumanEval prompts with no example at all: stripping leaves them as they are
NOTHING_TO_STRIP = {"HumanEval/38", "HumanEval/41", "HumanEval/50", "HumanEval/83"}
# lines a reader sees that the original prompt does not have, and why
REWRITTEN = {
    "HumanEval/46": ("    fib4(0) = 0", "definitions as equations, not as examples"),
    "HumanEval/63": ("    fibfib(0) = 0", "definitions as equations, not as examples"),
    "HumanEval/99": ("    farthest from zero.", "the For example sentence after it is cut"),
    "HumanEval/105": ("      If the array is empty, return an empty array.", "colon to period"),
}


@pytest.fixture(scope="module")
def stripped() -> list[tuple[Problem, str]]:
    return [(p, strip_examples(p.prompt, p.entry_point)) for p in load_problems("humaneval")]


def _docstrings_removed(source: str) -> str:
    """The source's syntax tree with every docstring-like string statement dropped."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            node.body = [
                s
                for s in body
                if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
            ] or [ast.Pass()]
    return ast.dump(tree)


def _docstring_lines(source: str, entry_point: str) -> list[str]:
    function = next(
        n for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.FunctionDef) and n.name == entry_point
    )
    text = next(
        s.value.value for s in function.body
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
    )
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_every_humaneval_prompt_loses_every_example_and_still_compiles(stripped):
    changed = {p.task_id for p, text in stripped if text != p.prompt}
    assert len(changed) == 160
    assert {p.task_id for p, _ in stripped} - changed == NOTHING_TO_STRIP
    for problem, text in stripped:
        assert extract_doc_examples(text, problem.entry_point) == [], problem.task_id
        assert prompt_syntax_error(text) is None, problem.task_id
        assert problem.to_task().task_id == problem.task_id


def test_code_signature_and_description_are_kept(stripped):
    """Only docstrings change; each keeps its first line, and no example header is left."""
    for problem, text in stripped:
        assert _docstrings_removed(text) == _docstrings_removed(problem.prompt), problem.task_id
        before = _docstring_lines(problem.prompt, problem.entry_point)
        after = _docstring_lines(text, problem.entry_point)
        assert after[0] == before[0], problem.task_id
        assert not [line for line in after if is_header(line)], problem.task_id


def test_a_reader_sees_original_lines_except_the_documented_rewrites(stripped):
    new_lines = {
        p.task_id: [line for line in text.split("\n") if line not in p.prompt.split("\n")]
        for p, text in stripped
    }
    rewritten = {task_id for task_id, lines in new_lines.items() if lines}
    assert rewritten == set(REWRITTEN)
    for task_id, (line, _why) in REWRITTEN.items():
        assert line in new_lines[task_id]


@pytest.mark.parametrize(
    ("task_id", "kept", "gone"),
    [
        # doctests under "Example:", and the header with them
        ("HumanEval/64", ["vowel, but only when it is at the end of the given word."],
         ["Example:", ">>>", "    2\n"]),
        # "Example N:" blocks with Input/Output and multi-line explanations; Constraints stay
        ("HumanEval/68", ["Constraints:", "* 0 <= node.value"],
         ["Example", "Input:", "Output:", "Explanation", "so we will choose the first zero"]),
        # a call spread over five lines
        ("HumanEval/87", ["Also, sort coordinates of the row by columns in descending order."],
         ["get_row(", "[1,2,3,4,5,6]", "Examples:"]),
        # the prose right after the last example (no blank line between) is description
        ("HumanEval/110", ["It is assumed that the input lists will be non-empty."],
         ["exchange(", "For example:"]),
        # definitions stay, worked examples go, the description between them stays
        ("HumanEval/130", ["tri(1) = 3", "tri(n) = 1 + n / 2, if n is even.",
                           "You are given a non-negative integer number n"],
         ["tri(2) = 1 + (2 / 2) = 2", "= 2 + 3 + 3 = 8", "tri(3) = [1, 3, 2, 8]"]),
        # a definition of another function stays
        ("HumanEval/139", ["brazilian_factorial(n) = n! * (n-1)! * (n-2)! * ... * 1!"],
         [">>> special_factorial(4)", "288"]),
        # a prose "For example, ... then you should return ..." sentence goes
        ("HumanEval/153", ["choose the one that comes first in the list.\n    \"\"\""],
         ["Slices", "for Strongest_Extension("]),
        # a worked example that is no call
        ("HumanEval/160", ["Exponentiation ( ** )", "Note:"],
         ["array = [2, 3, 4, 5]", "=> result = 9", "Example:"]),
    ],
)
def test_examples_go_and_the_description_stays(stripped, task_id, kept, gone):
    text = next(t for p, t in stripped if p.task_id == task_id)
    for line in kept:
        assert line in text
    docstring = text.split('"""', 1)[1] if '"""' in text else text.split("'''", 1)[1]
    for fragment in gone:
        assert fragment not in docstring


def test_a_colon_that_introduced_examples_becomes_a_period():
    prompt = (
        "def by_length(arr):\n"
        '    """Name the digits.\n\n'
        "    If the array is empty, return an empty array:\n"
        "    arr = []\n"
        "    return []\n"
        '    """\n'
    )
    assert strip_examples(prompt, "by_length") == (
        'def by_length(arr):\n    """Name the digits.\n\n'
        '    If the array is empty, return an empty array.\n    """\n'
    )


def test_recurrence_in_arrow_notation_becomes_equations_and_words_stay():
    prompt = (
        "def f(n):\n"
        '    """Defined as:\n'
        "    f(0) -> 1\n"
        "    f(n) -> 2 * f(n - 1)\n"
        "    g(n) returns the same for odd n\n"
        '    """\n'
    )
    assert strip_examples(prompt, "f") == (
        'def f(n):\n    """Defined as:\n    f(0) = 1\n    f(n) = 2 * f(n - 1)\n'
        '    g(n) returns the same for odd n\n    """\n'
    )


def test_named_inputs_and_for_sentences():
    prompt = (
        "def f(arr, k):\n"
        '    """Sum the first k.\n\n'
        "    Input: arr = [1, 2], k = 1\n"
        "    Output: 1\n\n"
        "    For arr = [3], k = 1 the output should be 3\n"
        "    Note: k >= 0.\n"
        '    """\n'
    )
    stripped = strip_examples(prompt, "f")
    assert stripped == 'def f(arr, k):\n    """Sum the first k.\n\n    Note: k >= 0.\n    """\n'


def test_prompts_without_docstring_examples_are_left_alone(caplog):
    for prompt in ('def f(x):\n    """Double x."""\n', "def f(x):\n", "Write a function."):
        assert strip_examples(prompt, "f") == prompt
    with caplog.at_level(logging.WARNING):
        assert strip_examples("def f(x:\n", "f") == "def f(x:\n"
    assert "not Python" in caplog.text
