"""Unit tests of text_stats.tokenizer from dspy-coder's run: 6 judged it; 4 did not count and are skipped with the reason (remove a marker to run one)."""

import pytest

from text_stats.tokenizer import *  # noqa: F403


def test_generated_1():
    assert tokenize('Hello world!') == ['hello', 'world']


def test_generated_2():
    assert tokenize('This is a test.') == ['this', 'is', 'a', 'test']


def test_generated_4():
    assert tokenize('Python is fun!') == ['python', 'is', 'fun']


def test_generated_5():
    assert tokenize('   Leading and trailing spaces   ') == ['leading', 'and', 'trailing', 'spaces']


def test_generated_6():
    assert tokenize('No punctuation here') == ['no', 'punctuation', 'here']


def test_generated_7():
    assert tokenize('All punctuation marks are removed') == ['all', 'punctuation', 'marks', 'are', 'removed']


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_3():
    assert tokenize('12345') == []


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_8():
    assert tokenize('1234567890') == []


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_9():
    assert tokenize('12345678901234567890') == []


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_10():
    assert tokenize('123456789012345678901234567890') == []
