"""Generated test source -> individual TestCase records, parametrized tables included."""

from dspy_coder.code.generated_tests import parse_generated_tests, read_generated_tests

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


def _read(source: str, entry_point: str | None = "f", limit: int = 12):
    from dspy_coder.code.generated_tests import read_generated_tests

    return read_generated_tests(source, entry_point, limit)


def _drops(result) -> list[tuple[str, str]]:
    return [(d.name, d.reason) for d in result.dropped]


UNITTEST_CLASS = '''
import unittest

class TestF(unittest.TestCase):
    def setUp(self):
        self.value = f(2)

    def check_positive(self, x):
        self.assertTrue(x > 0)

    def test_two(self):
        self.assertEqual(self.value, 4)
        self.check_positive(self.value)

    def test_almost(self):
        self.assertAlmostEqual(f(0.5), 0.25, places=3)

    @unittest.skip("later")
    def test_later(self):
        self.assertEqual(f(3), 9)

if __name__ == "__main__":
    unittest.main()
'''


def test_each_unittest_method_is_a_test_with_the_class_and_its_set_up():
    result = _read(UNITTEST_CLASS)

    assert [t.name for t in result.tests] == ["test_TestF_test_two", "test_TestF_test_almost"]
    two = result.tests[0].code
    assert two.startswith("def test_TestF_test_two():\n    import unittest\n")
    assert "def setUp(self):" in two and "def test_almost" not in two
    assert "assert self.value == 4" in two  # a simple check written as the assert it is
    assert "assert x > 0" in two  # in helpers too
    assert two.rstrip().endswith("TestF('test_two').debug()")
    assert "self.assertAlmostEqual(f(0.5), 0.25, places=3)" in result.tests[1].code
    assert _drops(result) == [("TestF.test_later", "it is marked skip")]


def test_unittest_class_set_up_and_tear_down_run_around_the_test():
    source = '''
from unittest import TestCase

class Checks(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.table = {1: f(1)}

    @classmethod
    def tearDownClass(cls):
        cls.table.clear()

    def test_one(self):
        self.assertEqual(self.table[1], 1, msg="one")
        self.assertIsNone(None)
        self.assertNotIn(5, [f(1)])
'''
    [test] = _read(source).tests
    assert test.name == "test_Checks_test_one"
    assert "from unittest import TestCase" in test.code
    assert "assert self.table[1] == 1, 'one'" in test.code
    assert "assert None is None" in test.code and "assert 5 not in [f(1)]" in test.code
    assert test.code.rstrip().endswith(
        "Checks.setUpClass()\n    try:\n        Checks('test_one').debug()\n"
        "    finally:\n        Checks.tearDownClass()"
    )


PYTEST_CLASS = '''
import pytest

@pytest.fixture
def numbers():
    data = [1, 2, 3]
    yield data
    data.clear()

class TestF:
    @pytest.fixture(autouse=True)
    def prepare(self):
        self.base = f(1)

    def setup_method(self, method):
        self.calls = 0

    def test_base(self):
        assert self.base == 1

    @pytest.mark.parametrize("x, expected", [(2, 4), (3, 9)])
    def test_rows(self, x, expected, numbers):
        assert f(x) == expected and numbers

class TestG(Base):
    def test_other(self):
        assert f(1) == 1
'''


def test_pytest_style_classes_give_one_test_per_method_and_row():
    result = _read(PYTEST_CLASS)

    assert [t.name for t in result.tests] == [
        "test_TestF_test_base", "test_TestF_test_rows_1", "test_TestF_test_rows_2"
    ]
    base, row = result.tests[0].code, result.tests[2].code
    assert "@pytest.fixture" not in base and "def prepare(self):" in base
    assert "instance = TestF()" in base
    assert "instance.setup_method(instance.test_base)" in base
    assert "prepare_value = instance.prepare()" in base
    assert "def test_rows(self, numbers):" in row and "assert f(3) == 9 and numbers" in row
    assert "numbers_fixture = numbers()" in row and "next(numbers_fixture, None)" in row
    assert "instance.test_rows(numbers=numbers_value)" in row
    assert _drops(result) == [
        ("TestG.test_other", "its class derives from Base, neither unittest.TestCase nor nothing")
    ]


def test_fixtures_are_supplied_by_calls_and_unsupplied_ones_are_dropped_with_the_reason():
    source = '''
import pytest

@pytest.fixture
def base():
    return 10

@pytest.fixture
def doubled(base):
    return base * 2

@pytest.fixture(params=[1, 2])
def each(request):
    return request.param

def test_doubled(doubled):
    assert f(doubled) == 20

def test_each(each):
    assert f(each)

def test_tmp(tmp_path):
    assert f(tmp_path)

def test_unknown(thing):
    assert f(thing)
'''
    result = _read(source)

    [test] = result.tests
    assert test.code.splitlines()[-3:] == [
        "    base_value = base()",
        "    doubled_value = doubled(base=base_value)",
        "    test_doubled(doubled=doubled_value)",
    ]
    assert _drops(result) == [
        ("test_each", "its fixture `each` is parametrized"),
        ("test_tmp", "it needs pytest's built-in fixture `tmp_path`, which is not supplied"),
        ("test_unknown", "it needs the fixture `thing`, which the output does not define"),
    ]


def test_asserts_in_the_main_block_are_tests_with_the_statements_they_depend_on():
    source = '''
def f(x):
    return x  # the writer's own copy: never part of a test

if __name__ == "__main__":
    items = [3, 1]
    other = []
    assert f(items) == [3, 1]
    items.append(2)
    other.append(f(0))
    assert f(items) == [3, 1, 2]
    try:
        assert f(None) is None
        print("passed")
    except AssertionError:
        print("failed")
    print(f(5))
'''
    result = _read(source)

    assert [t.name for t in result.tests] == ["test_main_1", "test_main_2", "test_main_3"]
    assert result.tests[1].code == (
        "def test_main_2():\n    items = [3, 1]\n    f(items) == [3, 1]\n"
        "    items.append(2)\n    assert f(items) == [3, 1, 2]"
    )
    # the try that would swallow a failure is gone: the assert can fail the test
    assert result.tests[2].code == "def test_main_3():\n    assert f(None) is None"
    assert all("return x" not in t.code for t in result.tests)


def test_a_try_that_expects_an_exception_is_kept_as_written():
    source = '''
def test_raises():
    try:
        f(-1)
        assert False, "no error"
    except ValueError:
        pass
'''
    [test] = _read(source).tests
    assert "except ValueError" in test.code


def test_a_called_check_function_and_module_helpers_are_carried_into_the_test():
    source = '''
from my_solution import f
import pytest

LIMIT = 3

def expected(n):
    return [i * i for i in range(min(n, LIMIT))]

def check():
    assert f(5) == expected(5)
    with pytest.raises(ValueError):
        f(-1)

def unused():
    return 0

check()
'''
    [test] = _read(source).tests
    assert test.code == (
        "def test_generated_1():\n    import pytest\n    LIMIT = 3\n\n"
        "    def expected(n):\n        return [i * i for i in range(min(n, LIMIT))]\n"
        "    assert f(5) == expected(5)\n    with pytest.raises(ValueError):\n        f(-1)"
    )


def test_what_cannot_be_read_is_reported_not_silently_lost():
    cut = _read("def test_a():\n    assert f(1) == 1\n\ndef test_b():\n    assert f(2) ==\n")
    assert [t.name for t in cut.tests] == ["test_generated_1"]
    assert _drops(cut) == [
        ("lines 4-5", "not valid Python (invalid syntax at line 5); the lines before were read")
    ]
    assert _drops(_read("this is not python (")) == [
        ("the whole answer", "not valid Python ('(' was never closed at line 1)")
    ]
    unrelated = _read("assert g(1) == 1\n\n@pytest.mark.xfail\ndef test_x():\n    assert f(1)\n")
    assert _drops(unrelated) == [
        ("assert g(1) == 1", "it does not use `f`"),
        ("test_x", "it is marked xfail: its writer expects it to fail"),
    ]
    assert _drops(_read("assert f(1)\nassert f(2) ==\n"))[0][0] == "line 2"
    over = _read("assert f(1)\nassert f(2)\nassert f(3)\n", limit=2)
    assert _drops(over) == [("assert f(3)", "over the limit of 2 generated tests")]


def test_a_future_import_stays_out_of_the_tests_it_would_break():
    [test] = _read("from __future__ import annotations\nimport math\n\nassert f(math.pi)\n").tests
    assert test.code == "def test_generated_1():\n    import math\n    assert f(math.pi)"


def test_a_row_python_cannot_write_back_is_dropped_not_a_broken_test_module():
    source = (
        '@pytest.mark.parametrize("text", [\'"a\\\\"b"\'])\n'
        'def test_quoted(text):\n    assert f(f"<{text}>")\n\n'
        '@pytest.mark.parametrize("x", [*CASES])\ndef test_starred(x):\n    assert f(x)\n'
    )
    result = _read(source)
    assert result.tests == []
    [(quoted, why), starred] = _drops(result)
    assert quoted == "test_quoted" and why.startswith("it cannot be rebuilt as a test function")
    assert starred[0] == "test_starred" and "could not be expanded" in starred[1]


def test_the_old_reader_returns_the_same_tests():
    assert parse_generated_tests(PYTEST_CLASS, "f") == _read(PYTEST_CLASS).tests


def test_a_function_of_asserts_only_is_one_test_per_assert_so_one_wrong_value_hides_none():
    # the 1.5B's MBPP habit: one function, many asserts, one of them miscomputed
    source = (
        "def test_smallest():\n"
        "    '''Smallest of a list.'''\n"
        "    assert smallest([3, 1]) == 1\n"
        "    assert smallest([]) == None\n"
        "    assert smallest([5]) == 5\n"
    )

    tests = parse_generated_tests(source, "smallest")

    assert [t.code.splitlines()[-1].strip() for t in tests] == [
        "assert smallest([3, 1]) == 1", "assert smallest([]) == None",
        "assert smallest([5]) == 5",
    ]
    assert [t.name for t in tests] == ["test_generated_1", "test_generated_2",
                                       "test_generated_3"]


def test_a_function_with_set_up_or_a_single_assert_stays_one_test():
    source = (
        "def test_state():\n    items = [2, 1]\n    assert f(items) == 1\n"
        "    assert items == [2, 1]\n\n"
        "def test_one():\n    assert f([1]) == 1\n"
    )

    tests = parse_generated_tests(source, "f")

    assert len(tests) == 2
    assert "items = [2, 1]" in tests[0].code and "assert items == [2, 1]" in tests[0].code


def test_a_helper_class_the_tests_use_comes_with_each_test():
    # the cache project at cb462dd: ten integration tests used a module-level MockCache and
    # every one failed with NameError, because only helper functions were carried
    from dspy_coder.code.generated_tests import read_generated_tests

    raw = ("class Doubler:\n    def twice(self, x):\n        return 2 * x\n\n\n"
           "class TestF:\n    def test_a(self):\n        assert f(Doubler().twice(1)) == 2\n\n\n"
           "def test_b():\n    assert f(3) == 3\n")
    tests = {t.name: t.code for t in read_generated_tests(raw, "f").tests}
    assert "class Doubler" in tests["test_TestF_test_a"]
    assert "class Doubler" not in tests["test_generated_1"]  # only where it is used (test_b)


LRU_ANSWER = '''import pytest

class LRUCache:
    def __init__(self, capacity):
        self.data = {}

    def get(self, key):
        return self.data.get(key, -1)

def test_get():
    cache = LRUCache(2)
    assert cache.get(3) == -1
'''


def test_the_answer_s_own_copy_of_a_name_the_task_asks_for_is_left_out_of_its_tests():
    """The 1.5B wrote a whole `class LRUCache` above its LRU cache tests: carried into each
    test, they tested that copy. Left out, the tests run on the code under test."""
    read = read_generated_tests(LRU_ANSWER, None, restated=frozenset({"LRUCache", "get"}))
    assert [t.code for t in read.tests] == [
        "def test_generated_1():\n    cache = LRUCache(2)\n    assert cache.get(3) == -1"]
    assert [(d.name, d.reason) for d in read.dropped] == [(
        "the answer's own LRUCache",
        "the task asks the code to define it: its tests use the code's instead")]
    carried = read_generated_tests(LRU_ANSWER, None).tests  # not asked for: a helper class
    assert "class LRUCache" in carried[0].code
