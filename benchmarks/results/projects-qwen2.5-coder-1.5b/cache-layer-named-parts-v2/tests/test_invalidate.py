"""Unit tests of cache.invalidate from dspy-coder's run: 0 judged it; 1 did not count and are skipped with the reason (remove a marker to run one)."""

import pytest

from cache.invalidate import *  # noqa: F403
from cache.cache import *  # noqa: F403


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_1():
    cache = Cache()
    cache.set('key1', 'value1', 10)
    cache.set('key2', 'value2', 10)
    cache.set('key3', 'value3', 10)
    invalidate('key1')
    assert cache.get('key1') is None
    assert cache.get('key2') is not None
    assert cache.get('key3') is not None
