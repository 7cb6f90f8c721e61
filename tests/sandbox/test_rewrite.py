"""build_plan: test discovery and assert rewriting (no process needed)."""

from __future__ import annotations

from dspy_coder.sandbox.rewrite import build_plan


def test_check_statements_with_asserts_become_tests():
    tests = (
        "def check(candidate):\n"
        "    x = 1\n"
        "    assert candidate(x) == 2\n"
        "    for i in range(3):\n"
        "        assert candidate(i) > i\n"
        "    assert True\n"
    )
    plan = build_plan("def f(x):\n    return x + 1\n", tests, "f")
    assert plan.kind == "check"
    assert plan.test_names == [
        "line 3: assert candidate(x) == 2",
        "line 4: for i in range(3): assert candidate(i) > i",
        "line 6: assert True",
    ]
    assert plan.error == ""
    assert plan.asserts[0].slots == [("candidate(x)", True)]


def test_literals_are_not_recorded_but_names_are():
    plan = build_plan("x = 1\n", "def test_a():\n    assert f(1) == expected\n")
    assert plan.asserts[0].slots == [("f(1)", True), ("expected", False)]


def test_syntax_errors_name_the_file_and_line():
    assert "solution.py, line 2" in build_plan("x = 1\ny = (\n").error
    assert "tests.py" in build_plan("x = 1\n", "def test_a(:\n    pass\n").error


def test_check_without_entry_point_is_an_error():
    plan = build_plan("x = 1\n", "def check(candidate):\n    assert candidate()\n")
    assert "entry_point" in plan.error
