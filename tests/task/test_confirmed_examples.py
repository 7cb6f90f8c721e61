"""The examples gate's text work: proposals from asserts, the docstring they go into."""

from __future__ import annotations

import ast

from dspy_coder.task.confirmed_examples import (
    example_units,
    proposed_examples,
    unreadable_units,
    with_examples,
)
from dspy_coder.task.doc_examples import extract_doc_examples

STUB = ('def same_chars(s0: str, s1: str):\n    """\n    Check if two words have the same '
        'characters.\n    """\n')


def test_plain_asserts_of_the_entry_point_with_literals_become_example_lines():
    tests = [
        "def test_a():\n    assert same_chars('abc', 'cab') == True\n"
        "    assert same_chars('a', 'b') is False\n    assert not same_chars('ab', 'a')\n"
        "    assert same_chars('x', 'x')\n",
        "def test_b():\n    s = 'abc'\n    assert same_chars(s, 'abc')\n"  # a variable: skipped
        "    assert other('a', 'a') == 1\n"  # another function: skipped
        "    assert same_chars('a', 'b') != True\n"  # not an equality: skipped
        "    assert same_chars('abc', 'cab') == True\n",  # a repeat: once
        "def test_c(:\n",  # does not parse: skipped
    ]
    assert proposed_examples(tests, "same_chars") == [
        "same_chars('abc', 'cab') == True", "same_chars('a', 'b') == False",
        "same_chars('ab', 'a') == False", "same_chars('x', 'x') == True"]
    assert proposed_examples(tests, "same_chars", limit=2) == [
        "same_chars('abc', 'cab') == True", "same_chars('a', 'b') == False"]


def test_the_lines_go_at_the_end_of_the_docstring_and_read_back_as_its_examples():
    lines = ["same_chars('abc', 'cab') == True", "same_chars('ab', 'a') == False"]
    prompt = with_examples(STUB, "same_chars", lines)
    assert prompt.startswith(STUB.split('    """\n')[0])  # the task's own text is kept
    assert "    Examples:\n    same_chars('abc', 'cab') == True\n" in prompt
    ast.parse(prompt)  # still a valid stub
    assert [(e.call, e.expected) for e in extract_doc_examples(prompt, "same_chars")] == [
        ("same_chars('abc', 'cab')", "True"), ("same_chars('ab', 'a')", "False")]


def test_a_one_line_docstring_a_missing_one_and_free_text_all_get_the_block():
    one_line = 'def f(x):\n    """Double x, é included."""\n    pass\n'
    prompt = with_examples(one_line, "f", ["f(2) == 4"])
    ast.parse(prompt)
    assert prompt.endswith('    Examples:\n    f(2) == 4\n    """\n    pass\n')
    bare = with_examples("def f(x):\n    pass\n", "f", [">>> f(2)\n4"])
    ast.parse(bare)
    assert [e.expected for e in extract_doc_examples(bare, "f")] == ["4"]
    text = with_examples("Write f(x), doubling x.", "f", ["f(2) == 4"])
    assert text.endswith("\n\nExamples:\nf(2) == 4\n")
    assert [e.call for e in extract_doc_examples(text, "f")] == ["f(2)"]


def test_what_a_person_types_is_read_line_by_line_and_the_unreadable_lines_are_named():
    typed = "same_chars('ab', 'ba') == True\n\n>>> same_chars('a', 'b')\nFalse\nthey should match\n"
    units = example_units(typed)
    assert units == ["same_chars('ab', 'ba') == True", ">>> same_chars('a', 'b')\nFalse",
                     "they should match"]
    assert unreadable_units(STUB, "same_chars", units) == ["they should match"]
    assert unreadable_units(STUB, "same_chars", ["same_chars(x, 'b') == True"]) == [
        "same_chars(x, 'b') == True"]  # x is not a literal
