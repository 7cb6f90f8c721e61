"""A test writer's answer cut off inside a parametrize table keeps its complete rows."""

from dspy_coder.code.generated_tests import read_generated_tests
from dspy_coder.code.truncated_table import close_truncated_table

# HumanEval/0 stripped, the 1.5B's answer (shortened): it restates the function, then fills
# a table until its token budget runs out mid-row. Every row was lost before.
CUT_IN_TABLE = '''```python
import pytest

def has_close_elements(numbers, threshold):
    return False

@pytest.mark.parametrize("numbers, threshold, expected", [
    ([1.0, 2.0, 3.0], 0.5, True),
    ([1.0, 2.0, 3.0], 0.1, False),
    ([1.0, 2.0, 3.0, 4.0], 0.2,
     True),
    ([1.0, 2.0, 3.0, 4.0, 5.0], 0.4, True),
    ([1'''


def test_the_complete_rows_of_a_cut_table_become_tests():
    read = read_generated_tests(CUT_IN_TABLE, "has_close_elements")
    assert [t.code.splitlines()[-1].strip() for t in read.tests] == [
        "assert has_close_elements([1.0, 2.0, 3.0], 0.5) == True",
        "assert has_close_elements([1.0, 2.0, 3.0], 0.1) == False",
        "assert has_close_elements([1.0, 2.0, 3.0, 4.0], 0.2) == True",
        "assert has_close_elements([1.0, 2.0, 3.0, 4.0, 5.0], 0.4) == True",
    ]
    assert not any("def has_close_elements" in t.code for t in read.tests)
    assert [d.name for d in read.dropped] == ["the unfinished parametrize table"]
    assert "`assert has_close_elements(numbers, threshold) == expected`" in read.dropped[0].reason


def test_a_cut_outside_a_table_is_left_to_the_prefix_reader():
    finished = ('@pytest.mark.parametrize("x, expected", [(1, 2)])\n'
                "def test_double(x, expected):\n    assert double(x) == expected\n\n"
                "def test_more():\n    assert double(3) == ")
    assert close_truncated_table(finished, "double") is None
    read = read_generated_tests(finished, "double")
    assert [t.code.splitlines()[-1].strip() for t in read.tests] == ["assert double(1) == 2"]
    assert read.dropped[0].reason.startswith("not valid Python")


def test_a_table_with_no_expected_column_or_no_complete_row_is_not_guessed():
    one_column = '@pytest.mark.parametrize("x", [\n    1,\n    2,\n    (3'
    assert close_truncated_table(one_column, "double") is None
    no_row = '@pytest.mark.parametrize("x, expected", [\n    ([1, 2'
    assert close_truncated_table(no_row, "double") is None
    assert close_truncated_table(CUT_IN_TABLE, None) is None
