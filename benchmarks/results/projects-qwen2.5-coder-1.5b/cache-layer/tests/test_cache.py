"""Unit tests of cache.cache from dspy-coder's run: 0 judged it; 11 did not count and are skipped with the reason (remove a marker to run one)."""

import pytest

from cache.cache import *  # noqa: F403


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_1():
    from cache.cache import Cache

    def cache():
        return Cache(capacity=10)

    def test_set(cache):
        cache.set('key1', 'value1', 10)
        assert cache.get('key1') == 'value1'
        assert cache.size() == 1
    cache_value = cache()
    test_set(cache=cache_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_2():
    from cache.cache import Cache

    def cache():
        return Cache(capacity=10)

    def test_get(cache):
        cache.set('key1', 'value1', 10)
        assert cache.get('key1') == 'value1'
        assert cache.size() == 1
    cache_value = cache()
    test_get(cache=cache_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_3():
    from cache.cache import Cache

    def cache():
        return Cache(capacity=10)

    def test_delete(cache):
        cache.set('key1', 'value1', 10)
        cache.delete('key1')
        assert cache.get('key1') is None
        assert cache.size() == 0
    cache_value = cache()
    test_delete(cache=cache_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_4():
    from cache.cache import Cache

    def cache():
        return Cache(capacity=10)

    def test_clear(cache):
        cache.set('key1', 'value1', 10)
        cache.set('key2', 'value2', 10)
        cache.clear()
        assert cache.get('key1') is None
        assert cache.get('key2') is None
        assert cache.size() == 0
    cache_value = cache()
    test_clear(cache=cache_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_5():
    from cache.cache import Cache

    def cache():
        return Cache(capacity=10)

    def test_size(cache):
        cache.set('key1', 'value1', 10)
        cache.set('key2', 'value2', 10)
        assert cache.size() == 2
    cache_value = cache()
    test_size(cache=cache_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_6():
    from cache.cache import Cache

    def cache():
        return Cache(capacity=10)

    def test_is_empty(cache):
        assert cache.is_empty() is True
        cache.set('key1', 'value1', 10)
        assert cache.is_empty() is False
    cache_value = cache()
    test_is_empty(cache=cache_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_7():
    from cache.cache import Cache

    def cache():
        return Cache(capacity=10)

    def test_hit_count(cache):
        cache.set('key1', 'value1', 10)
        assert cache.hit_count() == 1
        cache.set('key2', 'value2', 10)
        assert cache.hit_count() == 2
        cache.delete('key1')
        assert cache.hit_count() == 1
    cache_value = cache()
    test_hit_count(cache=cache_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_8():
    from cache.cache import Cache

    def cache():
        return Cache(capacity=10)

    def test_miss_count(cache):
        cache.set('key1', 'value1', 10)
        assert cache.miss_count() == 1
        cache.delete('key1')
        assert cache.miss_count() == 0
    cache_value = cache()
    test_miss_count(cache=cache_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_9():
    import pytest
    from cache.cache import Cache

    def cache():
        return Cache(capacity=10)

    def test_ttl(cache):
        cache.set('key1', 'value1', 1)
        assert cache.get('key1') == 'value1'
        assert cache.size() == 1
        pytest.raises(KeyError, cache.get, 'key1')
        assert cache.size() == 1
    cache_value = cache()
    test_ttl(cache=cache_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_10():
    import pytest
    from cache.cache import Cache

    def cache():
        return Cache(capacity=10)

    def test_lru(cache):
        cache.set('key1', 'value1', 1)
        cache.set('key2', 'value2', 1)
        cache.set('key3', 'value3', 1)
        assert cache.get('key1') == 'value1'
        assert cache.get('key2') == 'value2'
        assert cache.get('key3') == 'value3'
        cache.delete('key1')
        assert cache.get('key2') == 'value2'
        assert cache.get('key3') == 'value3'
        cache.delete('key2')
        assert cache.get('key3') == 'value3'
        cache.delete('key3')
        pytest.raises(KeyError, cache.get, 'key3')
        assert cache.size() == 0
    cache_value = cache()
    test_lru(cache=cache_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_11():
    from cache.cache import Cache

    def cache():
        return Cache(capacity=10)

    def test_pattern_based_invalidation(cache):
        cache.set('key1', 'value1', 1)
    cache_value = cache()
    test_pattern_based_invalidation(cache=cache_value)
