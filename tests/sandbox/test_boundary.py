"""What crosses between the code process and the test process: tests written against the
candidate's module behave as they would in one process, as long as results are data."""

from __future__ import annotations

import pytest

from dspy_coder.sandbox import Limits, run

LIMITS = Limits(timeout_s=10)

LRU = '''
from collections import OrderedDict


class CacheError(KeyError):
    pass


class LRUCache:
    """Least-recently-used cache."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.data = OrderedDict()

    def get(self, key):
        if key not in self.data:
            raise CacheError(key)
        self.data.move_to_end(key)
        return self.data[key]

    def put(self, key, value):
        self.data[key] = value
        self.data.move_to_end(key)
        if len(self.data) > self.capacity:
            self.data.popitem(last=False)

    def __len__(self):
        return len(self.data)

    def __contains__(self, key):
        return key in self.data

    def __iter__(self):
        return iter(list(self.data))

    def __repr__(self):
        return f"LRUCache({list(self.data.items())})"
'''


def _passes(code: str, tests: str) -> None:
    result = run(code, tests, limits=LIMITS)
    failures = [t.message for t in result.tests if not t.passed]
    assert result.status == "passed", (result.error, failures)


def test_a_class_of_the_code_is_constructed_called_and_checked_there():
    _passes(LRU, '''
import pytest
from solution import CacheError, LRUCache

def test_evicts_the_least_recent():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert "b" not in cache and "a" in cache
    assert len(cache) == 2
    assert list(cache) == ["a", "c"]
    assert sorted(cache) == ["a", "c"]
    assert cache.capacity == 2
    assert isinstance(cache, LRUCache)
    assert repr(cache) == "LRUCache([('a', 1), ('c', 3)])"

def test_its_own_exception_is_raised_here():
    cache = LRUCache(1)
    with pytest.raises(CacheError):
        cache.get("missing")
    with pytest.raises(KeyError):
        cache.get("missing")
    try:
        cache.get("x")
    except CacheError as exc:
        assert exc.args == ("x",)

def test_attributes_can_be_set():
    cache = LRUCache(1)
    cache.capacity = 3
    for key in "abc":
        cache.put(key, key.upper())
    assert len(cache) == 3
''')


def test_builtin_exceptions_keep_their_type_and_message():
    code = "def parse(s):\n    return int(s)\n\ndef lookup(d, k):\n    return d[k]\n"
    _passes(code, '''
import pytest

def test_value_error():
    with pytest.raises(ValueError, match="invalid literal"):
        parse("x")

def test_key_error():
    with pytest.raises(KeyError) as info:
        lookup({}, "k")
    assert str(info.value) == "'k'"
''')


def test_in_place_changes_to_arguments_reach_the_test():
    code = (
        "def sort_in_place(items):\n    items.sort()\n\n"
        "def add_key(d):\n    d['new'] = 1\n\n"
        "def untouched(items):\n    return len(items)\n"
    )
    _passes(code, '''
def test_list():
    xs = [3, 1, 2]
    assert sort_in_place(xs) is None
    assert xs == [1, 2, 3]

def test_dict():
    d = {}
    add_key(d=d)
    assert d == {"new": 1}

def test_not_changed():
    xs = [2, 1]
    untouched(xs)
    assert xs == [2, 1]
''')


def test_generators_iterators_and_identity():
    code = (
        "def count(n):\n    yield from range(n)\n\n"
        "class Box:\n    def __init__(self):\n        self.me = self\n"
        "    def __enter__(self):\n        return self\n"
        "    def __exit__(self, *exc):\n        return False\n"
    )
    _passes(code, '''
def test_generator():
    assert list(count(3)) == [0, 1, 2]
    gen = count(2)
    assert next(gen) == 0 and next(gen) == 1

def test_identity():
    box = Box()
    assert box.me is box
    with box as inside:
        assert inside is box
''')


def test_builtin_data_types_cross_exactly():
    code = (
        "from collections import namedtuple, Counter\n"
        "Point = namedtuple('Point', 'x y')\n"
        "def values():\n"
        "    return [1, 2.5, -0.0, float('inf'), 10 ** 40, 'é', b'\\x00', None, True,\n"
        "            (1, 2), {'a': {1, 2}}, frozenset({3}), 1 + 2j, range(3)]\n"
        "def point():\n    return Point(1, 2)\n"
        "def counts(s):\n    return Counter(s)\n"
    )
    _passes(code, '''
import math

def test_values():
    got = values()
    assert got[:3] == [1, 2.5, 0.0] and math.copysign(1, got[2]) == -1
    assert got[3] == float("inf") and got[4] == 10 ** 40 and got[5] == "é"
    assert got[6:9] == [b"\\x00", None, True] and got[8] is True
    assert got[9] == (1, 2) and isinstance(got[9], tuple)
    assert got[10] == {"a": {1, 2}} and got[11] == frozenset({3})
    assert got[12] == 1 + 2j and got[13] == range(3)

def test_benign_subclasses_compare_as_their_base():
    assert point() == (1, 2)
    assert counts("aab") == {"a": 2, "b": 1}
''')


def test_builtin_types_cross_both_ways_as_themselves():
    """ClassEval_2's generated tests call ``parser.add_argument('arg1', arg_type=str)``: every
    one failed "cannot pass a type to the code" before builtin types crossed by name."""
    code = (
        "class Parser:\n"
        "    def __init__(self):\n        self.types = {}\n"
        "    def add_argument(self, name, arg_type=str):\n        self.types[name] = arg_type\n"
        "    def convert(self, name, text):\n        return self.types[name](text)\n"
    )
    _passes(code, '''
def test_a_type_goes_to_the_code_and_comes_back():
    parser = Parser()
    parser.add_argument("n", arg_type=int)
    parser.add_argument("s", str)
    assert parser.convert("n", "42") == 42 and parser.convert("s", "x") == "x"
    assert parser.types == {"n": int, "s": str} and parser.types["n"] is int
''')


def test_modules_the_code_imported_are_the_real_ones_here():
    code = (
        "import math\n\n"
        "def poly(xs, x):\n"
        "    return sum(c * math.pow(x, i) for i, c in enumerate(xs))\n"
    )
    _passes(code, '''
def test_uses_the_codes_math():
    assert math.fabs(poly([1, 1], -1)) < 1e-9
    assert type(math).__name__ == "module"
''')


@pytest.mark.parametrize(
    ("code", "tests", "needle"),
    [
        ("class P:\n    pass\n\ndef make():\n    return P()\n",
         "def test_eq():\n    assert make() == make()\n", "cannot compare a P object"),
        ("def f(g):\n    return g(1)\n",
         "def test_callback():\n    assert f(lambda x: x) == 1\n", "cannot pass a function"),
        ("def f():\n    x = []\n    x.append(x)\n    return x\n",
         "def test_cycle():\n    assert f() == [[]]\n", "cannot compare a list object"),
    ],
    ids=["object-equality", "callback", "self-containing-list"],
)
def test_what_cannot_cross_fails_with_a_clear_message(code, tests, needle):
    result = run(code, tests, limits=LIMITS)
    assert result.status == "failed"
    assert needle in result.tests[0].message


def test_an_exception_from_the_code_shows_both_files_frames():
    code = "def inner(x):\n    return 1 / x\n\ndef outer(x):\n    return inner(x)\n"
    tests = "def test_zero():\n    assert outer(0) == 1\n"
    message = run(code, tests, limits=LIMITS).tests[0].message
    assert message.startswith("ZeroDivisionError: division by zero")
    lines = message.splitlines()
    assert lines.index("  tests.py, line 2, in test_zero: assert outer(0) == 1") < lines.index(
        "  solution.py, line 2, in inner: return 1 / x")


def test_the_code_ending_mid_test_is_a_crash_with_earlier_results_kept():
    code = "import os\n\ndef f(x):\n    if x > 1:\n        os._exit(3)\n    return x\n"
    tests = "def test_a():\n    assert f(1) == 1\n\ndef test_b():\n    assert f(2) == 2\n"
    result = run(code, tests, limits=LIMITS)
    assert result.status == "crashed"
    assert "exit status 3" in result.error
    assert [t.passed for t in result.tests] == [True, False]
