"""Generated test source -> individual TestCase records, parametrized tables included."""

from dspy_coder.code.generated_tests import parse_generated_tests

PARAMETRIZED = '''
import pytest
import math

def do_algebra(operator, operand):
    pass

@pytest.mark.parametrize("operator, operand, expected", [
    (['+', '*', '-'], [2, 3, 4, 5], 9),
    pytest.param(['+'], [1, 2], 3, id="one"),
])
def test_do_algebra(operator, operand, expected):
    assert do_algebra(operator, operand) == expected
'''


def test_each_parametrize_row_becomes_its_own_test_with_the_values_inlined():
    tests = parse_generated_tests(PARAMETRIZED, "do_algebra")

    assert [t.name for t in tests] == ["test_generated_1", "test_generated_2"]
    assert "assert do_algebra(['+', '*', '-'], [2, 3, 4, 5]) == 9" in tests[0].code
    assert "assert do_algebra(['+'], [1, 2]) == 3" in tests[1].code
    assert "import math" in tests[0].code and "pytest" not in tests[0].code
    assert all(t.source == "generated" and not t.vetted for t in tests)


def test_stacked_parametrize_decorators_give_the_cartesian_product():
    source = '''
@pytest.mark.parametrize("x", [1, 2])
@pytest.mark.parametrize(("y", "z"), [(3, 4), (5, 6)])
def test_f(x, y, z):
    assert f(x, y) != z
'''
    tests = parse_generated_tests(source, "f")

    bodies = [t.code.splitlines()[-1].strip() for t in tests]
    assert bodies == [
        "assert f(1, 3) != 4", "assert f(1, 5) != 6", "assert f(2, 3) != 4", "assert f(2, 5) != 6"
    ]


def test_tests_that_cannot_be_expanded_are_dropped_not_run_with_missing_arguments():
    source = '''
CASES = [(1, 2)]

@pytest.mark.parametrize("a, b", CASES)
def test_table_built_elsewhere(a, b):
    assert f(a) == b

@pytest.mark.parametrize("a, b", [(1, 2)])
def test_with_a_fixture(a, b, tmp_path):
    assert f(a) == b

@pytest.mark.parametrize("a", [1])
def test_rebinds_its_parameter(a):
    a = a + 1
    assert f(a) == 2

def test_plain():
    assert f(1) == 2
'''
    tests = parse_generated_tests(source, "f")

    assert len(tests) == 1
    assert "assert f(1) == 2" in tests[0].code


def test_bare_asserts_and_plain_tests_keep_their_order_and_the_limit_holds():
    source = "assert f(1) == 1\n\ndef test_two():\n    assert f(2) == 2\n\nassert g(3) == 3\n"

    tests = parse_generated_tests(source, "f")
    assert [t.code.splitlines()[-1].strip() for t in tests] == [
        "assert f(1) == 1", "assert f(2) == 2"
    ]
    rows = ", ".join(str(i) for i in range(30))
    many = f"@pytest.mark.parametrize('n', [{rows}])\ndef test_n(n):\n    assert f(n) == n\n"
    assert len(parse_generated_tests(many, "f", limit=12)) == 12
