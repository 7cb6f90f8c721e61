"""Unit tests of cache.cache from dspy-coder's run: 0 judged it; 6 did not count and are skipped with the reason (remove a marker to run one)."""

import pytest

from cache.cache import *  # noqa: F403


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_1():
    from cache.cache import Cache

    def cache():
        return Cache()

    def test_get(cache):
        cache.set('key1', 'value1', 10)
        assert cache.get('key1') == 'value1'
    cache_value = cache()
    test_get(cache=cache_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_2():
    from cache.cache import Cache

    def cache():
        return Cache()

    def test_set(cache):
        cache.set('key2', 'value2', 5)
        assert cache.get('key2') == 'value2'
    cache_value = cache()
    test_set(cache=cache_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_3():
    from cache.cache import Cache

    def cache():
        return Cache()

    def test_delete(cache):
        cache.set('key3', 'value3', 15)
        cache.delete('key3')
        assert cache.get('key3') is None
    cache_value = cache()
    test_delete(cache=cache_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_4():
    from cache.cache import Cache

    def cache():
        return Cache()

    def test_clear(cache):
        cache.set('key4', 'value4', 20)
        cache.clear()
        assert cache.get('key4') is None
    cache_value = cache()
    test_clear(cache=cache_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_5():
    from cache.cache import Cache

    def cache():
        return Cache()

    def test_get_stats(cache):
        cache.set('key5', 'value5', 25)
        cache.set('key6', 'value6', 30)
        assert cache.get_stats() == {'hits': 2, 'misses': 2}
    cache_value = cache()
    test_get_stats(cache=cache_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_6():
    from cache.cache import Cache

    def cache():
        return Cache()

    def test_get_stats(cache):
        cache.set('key7', 'value7', 35)
        cache.set('key8', 'value8', 40)
        assert cache.get_stats() == {'hits': 4, 'misses': 4}
    cache_value = cache()
    test_get_stats(cache=cache_value)
