"""Unit tests of text_stats.report from dspy-coder's run: 1 judged it; 5 did not count and are skipped with the reason (remove a marker to run one)."""

import pytest

from text_stats.report import *  # noqa: F403
from text_stats.tokenizer import *  # noqa: F403
from text_stats.counter import *  # noqa: F403


def test_generated_3():
    words = []
    expected_output = ''
    assert format_report(words) == expected_output


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_1():
    words = [('hello', 1), ('world', 2), ('python', 3), ('programming', 4)]
    expected_output = 'hello: 1\nworld: 2\npython: 3\nprogramming: 4\n'
    assert format_report(words) == expected_output


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_2():
    words = [('hello', 1), ('world', 2), ('python', 3), ('programming', 4), ('hello', 5)]
    expected_output = 'hello: 1\nworld: 2\npython: 3\nprogramming: 4\nhello: 5\n'
    assert format_report(words) == expected_output


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_4():
    words = [('hello', 1)]
    expected_output = 'hello: 1\n'
    assert format_report(words) == expected_output


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_5():
    words = [('hello', 1), ('hello', 2)]
    expected_output = 'hello: 1\nhello: 2\n'
    assert format_report(words) == expected_output


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_6():
    words = [('hello', 1), ('world', 2), ('python', 3), ('programming', 4), ('hello', 5), ('world', 6), ('python', 7), ('programming', 8), ('hello', 9), ('world', 10), ('python', 11), ('programming', 12)]
    expected_output = 'hello: 1\nworld: 2\npython: 3\nprogramming: 4\nhello: 5\nworld: 6\npython: 7\nprogramming: 8\nhello: 9\nworld: 10\npython: 11\nprogramming: 12\n'
    assert format_report(words) == expected_output
