"""Properties a task states become tests on the generated tests' inputs, run for real."""

import pytest

from dspy_coder.sandbox import run as sandbox_run
from dspy_coder.task.properties import property_tests, stated_properties

ENCODE_TASK = '''
def encode_shift(s: str):
    """returns encoded string by shifting every character by 5 in the alphabet."""
    return "".join([chr(((ord(ch) + 5 - ord("a")) % 26) + ord("a")) for ch in s])


def decode_shift(s: str):
    """takes as input string encoded with encode_shift function. Returns decoded string."""
'''
RIGHT_DECODE = ('def decode_shift(s):\n'
                '    return "".join(chr(((ord(c) - 5 - ord("a")) % 26) + ord("a")) for c in s)\n')
WRONG_DECODE = ('def decode_shift(s):\n'
                '    return "".join(chr(((ord(c) + 5 - ord("a")) % 26) + ord("a")) for c in s)\n')


def _run(code: str, tests) -> dict[str, tuple[bool, str]]:
    result = sandbox_run(code, tests="\n\n\n".join(t.code for t in tests))
    return {t.name: (t.passed, t.message) for t in result.tests}


def test_what_a_task_states_is_found_and_nothing_else():
    assert [(p.kind, p.functions) for p in stated_properties(ENCODE_TASK, "decode_shift")] == [
        ("round_trip", ("encode_shift", "decode_shift"))]
    email = "Build an email validation module: a validate_email(s) and a normalize_email(s)"
    assert [(p.kind, p.functions) for p in stated_properties(email, None)] == [
        ("idempotent", ("normalize_email",))]
    sort = ('def sort_array(array):\n    """Sort it.\n    * don\'t change the given array.\n'
            '    """\n')
    assert [p.kind for p in stated_properties(sort, "sort_array")] == ["keeps_input"]
    assert stated_properties("def add(a, b):\n    '''Add a and b.'''\n", "add") == []


def test_a_round_trip_fails_the_decoder_that_does_not_undo_the_encoder():
    written = ["def test_a():\n    assert decode_shift('fgh') == 'abc'\n"]
    tests = property_tests(stated_properties(ENCODE_TASK, "decode_shift"), written)
    assert [(t.name, t.source) for t in tests] == [
        ("test_property_round_trip_decode_shift", "property")]
    encoder = ENCODE_TASK.split("\n\n\ndef decode_shift")[0]
    assert _run(encoder + "\n" + RIGHT_DECODE, tests)[tests[0].name][0]
    passed, message = _run(encoder + "\n" + WRONG_DECODE, tests)[tests[0].name]
    assert not passed and "should undo each other" in message


def test_idempotence_and_an_unchanged_input_on_the_tests_inputs():
    written = ["def test_a():\n    assert normalize_email(' A@B.C ') == 'a@b.c'\n",
               "def test_b():\n    assert sort_array([3, 1, 2]) == [1, 2, 3]\n"]
    tests = property_tests(
        stated_properties("Write normalize_email(s) and sort_array(a); don't change the "
                          "given array.", "sort_array"), written)
    assert [t.name for t in tests] == ["test_property_idempotent_normalize_email",
                                       "test_property_keeps_input_sort_array"]
    good = ("def normalize_email(s):\n    return s.strip().lower()\n"
            "def sort_array(a):\n    return sorted(a)\n")
    assert all(passed for passed, _ in _run(good, tests).values())
    bad = ("def normalize_email(s):\n    return s.strip().lower() + '.'\n"
           "def sort_array(a):\n    a.sort()\n    return a\n")
    outcomes = _run(bad, tests)
    assert "normalising a normalised value should change nothing" in outcomes[tests[0].name][1]
    assert "says not to change the given input" in outcomes[tests[1].name][1]


@pytest.mark.parametrize("written", [[], ["def test_a():\n    assert normalize(x) == 1\n"]])
def test_no_literal_input_no_property_test(written):
    assert property_tests(stated_properties("Write normalize(s).", None), written) == []


def test_an_input_the_function_rejects_proves_nothing():
    written = ["def test_a():\n    assert normalize('') == ''\n"]
    tests = property_tests(stated_properties("Write normalize(s).", None), written)
    raising = "def normalize(s):\n    if not s:\n        raise ValueError('empty')\n    return s\n"
    assert _run(raising, tests)[tests[0].name][0]
