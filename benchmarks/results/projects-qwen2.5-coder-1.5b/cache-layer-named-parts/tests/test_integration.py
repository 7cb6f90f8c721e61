"""Integration tests: the modules together. Those that failed in dspy-coder's run are skipped with the failure; remove a marker to run one."""

import pytest

from cache.cache import *  # noqa: F403
from cache.invalidate import *  # noqa: F403


@pytest.mark.skip(reason="failed in the run: NameError: name 'MockCache' is not defined")
def test_TestCache_test_cache_get():
    import threading


    class TestCache:

        def setup_method(self):
            self.cache = MockCache()
            self.invalidate = MockInvalidate()

        def test_cache_get(self):
            self.cache.set('key1', 'value1', 10)
            assert self.cache.get('key1') == 'value1'
    instance = TestCache()
    instance.setup_method()
    instance.test_cache_get()


@pytest.mark.skip(reason="failed in the run: NameError: name 'MockCache' is not defined")
def test_TestCache_test_cache_set():
    import threading


    class TestCache:

        def setup_method(self):
            self.cache = MockCache()
            self.invalidate = MockInvalidate()

        def test_cache_set(self):
            self.cache.set('key2', 'value2', 5)
            assert self.cache.get('key2') == 'value2'
    instance = TestCache()
    instance.setup_method()
    instance.test_cache_set()


@pytest.mark.skip(reason="failed in the run: NameError: name 'MockCache' is not defined")
def test_TestCache_test_cache_delete():
    import threading


    class TestCache:

        def setup_method(self):
            self.cache = MockCache()
            self.invalidate = MockInvalidate()

        def test_cache_delete(self):
            self.cache.set('key3', 'value3', 15)
            self.cache.delete('key3')
            assert self.cache.get('key3') is None
    instance = TestCache()
    instance.setup_method()
    instance.test_cache_delete()


@pytest.mark.skip(reason="failed in the run: NameError: name 'MockCache' is not defined")
def test_TestCache_test_cache_clear():
    import threading


    class TestCache:

        def setup_method(self):
            self.cache = MockCache()
            self.invalidate = MockInvalidate()

        def test_cache_clear(self):
            self.cache.set('key4', 'value4', 20)
            self.cache.clear()
            assert self.cache.get('key4') is None
    instance = TestCache()
    instance.setup_method()
    instance.test_cache_clear()


@pytest.mark.skip(reason="failed in the run: NameError: name 'MockCache' is not defined")
def test_TestCache_test_cache_get_stats():
    import threading


    class TestCache:

        def setup_method(self):
            self.cache = MockCache()
            self.invalidate = MockInvalidate()

        def test_cache_get_stats(self):
            self.cache.set('key5', 'value5', 25)
            self.cache.set('key6', 'value6', 30)
            stats = self.cache.get_stats()
            assert stats == {'hits': 2, 'misses': 2}
    instance = TestCache()
    instance.setup_method()
    instance.test_cache_get_stats()


@pytest.mark.skip(reason="failed in the run: NameError: name 'MockInvalidate' is not defined")
def test_TestInvalidate_test_invalidate():
    import threading


    class TestInvalidate:

        def setup_method(self):
            self.invalidate = MockInvalidate()

        def test_invalidate(self):
            self.invalidate.invalidate('pattern1')
            assert 'pattern1' in self.invalidate.patterns
    instance = TestInvalidate()
    instance.setup_method()
    instance.test_invalidate()


@pytest.mark.skip(reason="failed in the run: NameError: name 'MockCache' is not defined")
def test_TestCacheAndInvalidate_test_cache_and_invalidate():
    import threading


    class TestCacheAndInvalidate:

        def setup_method(self):
            self.cache = MockCache()
            self.invalidate = MockInvalidate()

        def test_cache_and_invalidate(self):
            self.cache.set('key7', 'value7', 35)
            self.invalidate.invalidate('pattern1')
            assert 'pattern1' not in self.invalidate.patterns
            assert self.cache.get('key7') == 'value7'
    instance = TestCacheAndInvalidate()
    instance.setup_method()
    instance.test_cache_and_invalidate()


@pytest.mark.skip(reason="failed in the run: NameError: name 'MockCache' is not defined")
def test_TestCacheAndInvalidateWithStats_test_cache_and_invalidate_with_stats():
    import threading


    class TestCacheAndInvalidateWithStats:

        def setup_method(self):
            self.cache = MockCache()
            self.invalidate = MockInvalidate()

        def test_cache_and_invalidate_with_stats(self):
            self.cache.set('key8', 'value8', 40)
            self.invalidate.invalidate('pattern1')
            assert 'pattern1' not in self.invalidate.patterns
            stats = self.cache.get_stats()
            assert stats == {'hits': 1, 'misses': 1}
    instance = TestCacheAndInvalidateWithStats()
    instance.setup_method()
    instance.test_cache_and_invalidate_with_stats()


@pytest.mark.skip(reason="failed in the run: NameError: name 'MockCache' is not defined")
def test_TestCacheAndInvalidateWithStatsAndClear_test_cache_and_invalidate_with_stats_and_clear():
    import threading


    class TestCacheAndInvalidateWithStatsAndClear:

        def setup_method(self):
            self.cache = MockCache()
            self.invalidate = MockInvalidate()

        def test_cache_and_invalidate_with_stats_and_clear(self):
            self.cache.set('key9', 'value9', 45)
            self.invalidate.invalidate('pattern1')
            assert 'pattern1' not in self.invalidate.patterns
            stats = self.cache.get_stats()
            assert stats == {'hits': 0, 'misses': 0}
            self.cache.clear()
            stats = self.cache.get_stats()
            assert stats == {'hits': 0, 'misses': 0}
    instance = TestCacheAndInvalidateWithStatsAndClear()
    instance.setup_method()
    instance.test_cache_and_invalidate_with_stats_and_clear()


@pytest.mark.skip(reason="failed in the run: NameError: name 'MockCache' is not defined")
def test_TestCacheAndInvalidateWithStatsAndClearAndInvalidate_test_cache_and_invalidate_with_stats_and_clear_and_invalidate():
    import threading


    class TestCacheAndInvalidateWithStatsAndClearAndInvalidate:

        def setup_method(self):
            self.cache = MockCache()
            self.invalidate = MockInvalidate()

        def test_cache_and_invalidate_with_stats_and_clear_and_invalidate(self):
            self.cache.set('key10', 'value10', 50)
            self.invalidate.invalidate('pattern1')
            assert 'pattern1' not in self.invalidate.patterns
            stats = self.cache.get_stats()
            assert stats == {'hits': 0, 'misses': 0}
            self.cache.clear()
            stats = self.cache.get_stats()
            assert stats == {'hits': 0, 'misses': 0}
    instance = TestCacheAndInvalidateWithStatsAndClearAndInvalidate()
    instance.setup_method()
    instance.test_cache_and_invalidate_with_stats_and_clear_and_invalidate()
