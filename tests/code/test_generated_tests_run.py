"""Every shape of generated test runs in the real sandbox (the code under test in its own
process, reached through proxies) and under plain pytest next to a ``solution.py``, with the
same verdicts: a right candidate passes them all, a wrong one fails the tests that check
what it gets wrong, with the failing call and its value in the message."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dspy_coder.code.generated_tests import read_generated_tests
from dspy_coder.sandbox import Limits, run

RIGHT = '''
from collections import OrderedDict


class CacheError(KeyError):
    pass


class LRUCache:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be positive")
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
'''
WRONG = RIGHT.replace("self.data.popitem(last=False)", "pass  # never evicts")

FORMATS = {
    "unittest": '''
import unittest
from lru_cache import LRUCache, CacheError

class TestLRU(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.capacity = 2

    def setUp(self):
        self.cache = LRUCache(self.capacity)
        self.cache.put("a", 1)

    def tearDown(self):
        self.cache = None

    def test_put_evicts(self):
        self.cache.put("b", 2)
        self.cache.put("c", 3)
        self.assertEqual(len(self.cache), 2)

    def test_get(self):
        self.assertEqual(self.cache.get("a"), 1)
        self.assertAlmostEqual(self.cache.get("a") / 3, 0.3333, places=3)

    def test_missing(self):
        with self.assertRaises(CacheError):
            self.cache.get("zz")
        self.assertRaises(ValueError, LRUCache, 0)

if __name__ == "__main__":
    unittest.main()
''',
    "pytest_class": '''
import pytest

class TestLRU:
    @pytest.fixture(autouse=True)
    def prepare(self):
        self.cache = LRUCache(1)
        yield
        print("class fixture torn down")

    def setup_method(self, method):
        self.extra = 1

    def test_single(self):
        self.cache.put("a", 1)
        self.cache.put("b", 2)
        assert len(self.cache) == self.extra

    @pytest.mark.parametrize("key, value", [("x", 1), ("y", 2)])
    def test_put_get(self, key, value):
        self.cache.put(key, value)
        assert self.cache.get(key) == value
''',
    "fixtures": '''
import pytest

@pytest.fixture
def cache():
    cache = LRUCache(2)
    yield cache
    print("fixture torn down")

@pytest.fixture
def full(cache):
    cache.put(1, "one")
    cache.put(2, "two")
    return cache

def test_evicts_the_oldest(full):
    full.put(3, "three")
    assert len(full) == 2
    with pytest.raises(KeyError):
        full.get(1)

@pytest.mark.parametrize("key", [1, 2])
def test_keeps_recent(full, key):
    assert full.get(key) in ("one", "two")
''',
    "main_block": '''
if __name__ == "__main__":
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    try:
        assert len(cache) == 2
        print("Test passed")
    except AssertionError:
        print("Test failed")
    print("done")
''',
}
FAILING_WHEN_WRONG = {
    "unittest": {"test_TestLRU_test_put_evicts": "len(self.cache) returned 3"},
    "pytest_class": {"test_TestLRU_test_single": "len(self.cache) returned 2"},
    "fixtures": {"test_generated_1": "len(full) returned 3"},
    "main_block": {"test_main_2": "len(cache) returned 3"},
}


def _tests(shape: str) -> list:
    result = read_generated_tests(FORMATS[shape], "LRUCache")
    assert result.dropped == []
    return result.tests


def _sandbox(code: str, shape: str) -> dict[str, tuple[bool, str]]:
    tests = "\n\n\n".join(t.code for t in _tests(shape))
    result = run(code, tests=tests, limits=Limits(timeout_s=10, memory_mb=512))
    assert result.error == ""
    return {t.name: (t.passed, t.message) for t in result.tests}


@pytest.mark.parametrize("shape", sorted(FORMATS))
def test_a_right_candidate_passes_every_test_of_each_shape(shape: str):
    outcomes = _sandbox(RIGHT, shape)
    assert set(outcomes) == {t.name for t in _tests(shape)} and len(outcomes) >= 2
    assert all(passed for passed, _ in outcomes.values()), outcomes


@pytest.mark.parametrize("shape", sorted(FORMATS))
def test_a_wrong_candidate_fails_the_tests_that_check_its_mistake(shape: str):
    outcomes = _sandbox(WRONG, shape)
    failed = {name: message for name, (passed, message) in outcomes.items() if not passed}
    assert set(failed) == set(FAILING_WHEN_WRONG[shape]), failed
    for name, needle in FAILING_WHEN_WRONG[shape].items():
        assert needle in failed[name]


def test_yield_fixtures_are_torn_down_after_each_test():
    tests = "\n\n\n".join(t.code for t in _tests("fixtures") + _tests("pytest_class"))
    result = run(RIGHT, tests=tests, limits=Limits(timeout_s=10, memory_mb=512))
    assert result.stdout.count("fixture torn down") == 3 + 3


def _pytest_outcomes(folder: Path, code: str) -> dict[str, bool]:
    """Run plain pytest on ``test_solution.py`` next to ``solution.py`` holding ``code``."""
    (folder / "solution.py").write_text(code)
    report = folder / "report.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(folder),
         f"--junitxml={report}", str(folder / "test_solution.py")],
        cwd=folder, capture_output=True, text=True, timeout=120, check=False,
    )
    cases = ET.parse(report).getroot().iter("testcase")
    return {c.get("name", ""): c.find("failure") is None and c.find("error") is None
            for c in cases}


def test_plain_pytest_gives_the_sandbox_verdicts(tmp_path: Path):
    tests = [t for shape in sorted(FORMATS) for t in _tests(shape)]
    body = "\n\n\n".join(t.code for t in tests)
    module = f"from solution import *  # noqa: F403\n\n\n{body}\n"
    (tmp_path / "test_solution.py").write_text(module)
    wrong = {name for failing in FAILING_WHEN_WRONG.values() for name in failing}

    assert _pytest_outcomes(tmp_path, RIGHT) == {t.name: True for t in tests}
    assert _pytest_outcomes(tmp_path, WRONG) == {t.name: t.name not in wrong for t in tests}
