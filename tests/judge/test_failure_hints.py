"""Plain-words hints for wrong values: only certain diagnoses, none when unsure."""

from __future__ import annotations

import pytest

from dspy_coder.judge.failure_hints import hint_for, with_hints


@pytest.mark.parametrize(
    ("actual", "expected", "hint"),
    [
        (
            "[5, -3, -4]",
            "[-4, -3, 5]",
            "the expected value is your result sorted in ascending order",
        ),
        ("[1, 2, 3]", "[3, 2, 1]", "the expected value is your result sorted in descending order"),
        ("[2, 3, 1]", "[1, 3, 2]", "the expected value is your result reversed"),
        ("[2, 1, 3]", "[1, 3, 2]", "the right items in the wrong order"),
        ("[1, 2]", "[1, 2, 3]", "expected 3 items, got 2"),
        ("None", "-0.5", "your function returned None: a path without a return?"),
        ("True", "False", "the opposite truth value"),
        ("'3'", "3", "expected an int, got a str"),
        ("10.0", "-10", "the right magnitude with the wrong sign"),
        ("4", "5", "off by one"),
        ("'Hello'", "'hello'", "the same text with different letter case"),
    ],
)
def test_certain_differences_are_named(actual: str, expected: str, hint: str):
    assert hint_for(actual, expected) == hint


@pytest.mark.parametrize(
    ("actual", "expected"),
    [("[1, 5]", "[2, 7]"), ("17", "3"), ("'abc'", "'xyz'"), ("<object at 0x1>", "3")],
)
def test_no_hint_when_nothing_certain_can_be_said(actual: str, expected: str):
    assert hint_for(actual, expected) is None


def test_hints_are_appended_to_returned_expected_lines_only():
    text = (
        "Docstring examples failed:\n"
        "maximum([-3, -4, 5], 3) returned [5, -3, -4], expected [-4, -3, 5]\n"
        "f(1) raised ValueError: bad"
    )
    lines = with_hints(text).splitlines()
    assert lines[0] == "Docstring examples failed:"
    assert lines[1].endswith("(hint: the expected value is your result sorted in ascending order)")
    assert lines[2] == "f(1) raised ValueError: bad"


def test_a_number_where_a_truth_value_was_expected_is_a_type_mismatch_not_off_by_one():
    # ClassEval_42: check_in returned 1 where the docstring shows False
    assert hint_for("1", "False") == "expected a bool, got an int"
    assert hint_for("True", "2") == "expected an int, got a bool"
    assert hint_for("3", "2.0") == "off by one"


def test_a_hint_reads_past_the_calls_a_class_example_ran_before():
    line = "h.x() returned 1, expected 2 (after h = H(); h.add(1))"
    assert with_hints(line) == line + " (hint: off by one)"
