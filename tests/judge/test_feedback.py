"""The feedback the refiner reads: concrete, counted tests first, noise trimmed."""

from __future__ import annotations

from dspy_coder.judge.feedback import format_failures
from dspy_coder.types import ExecutionResult, TestOutcome

DOC_EXAMPLE_FAILURE = (
    "assert _ok, f'{_call} returned {_result!r}, expected {_expected!r}'\n"
    "  _ok = False\n"
    "  message: maximum([-3, -4, 5], 3) returned [5, -3, -4], expected [-4, -3, 5]"
)
PLAIN_ASSERT_FAILURE = "assert add(1, 2) == 3\n  add(1, 2) = -1"


def test_an_assertion_message_replaces_the_assert_source_and_locals():
    result = ExecutionResult(status="failed", tests=[
        TestOutcome(name="test_docstring_example_1", passed=False, message=DOC_EXAMPLE_FAILURE),
        TestOutcome(name="test_docstring_example_2", passed=True),
    ])
    text = format_failures(result, {"test_docstring_example_1", "test_docstring_example_2"})
    assert text == (
        "1 of 2 tests failed.\n"
        "FAILED test_docstring_example_1: maximum([-3, -4, 5], 3) returned [5, -3, -4], "
        "expected [-4, -3, 5] (hint: the expected value is your result sorted in ascending order)"
    )


def test_a_plain_assert_keeps_its_source_and_values_and_unconfirmed_tests_are_flagged():
    result = ExecutionResult(status="failed", tests=[
        TestOutcome(name="test_gen", passed=False, message=PLAIN_ASSERT_FAILURE),
    ])
    text = format_failures(result, set())
    assert "UNCONFIRMED test_gen" in text and "add(1, 2) = -1" in text
    assert "assert add(1, 2) == 3" in text


def test_a_long_value_is_clipped_not_the_calls_the_example_ran_before():
    # ClassEval_49 at efbf2fc: the clip cut "(after ...; m.remove_job(...))" off, so no
    # repair ever learned that remove_job was the method to blame
    listing = "[" + ", ".join(f"{{'job_title': 'Engineer {n}'}}" for n in range(20)) + "]"
    message = (f"m.job_listings returned {listing}, expected [] "
               f"(after m = M(); m.job_listings = [...]; m.remove_job(m.job_listings[0]))")
    result = ExecutionResult(status="failed", tests=[
        TestOutcome(name="t", passed=False, message=f"assert _ok\n  message: {message}")])
    text = format_failures(result, {"t"})
    assert len(text) < 500 and "[truncated]" in text
    assert text.endswith("(after m = M(); m.job_listings = [...]; m.remove_job(m.job_listings[0]))"
                         " (hint: expected 0 items, got 20)")
