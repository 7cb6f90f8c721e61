"""Integration tests: the modules together. Those that failed in dspy-coder's run are skipped with the failure; remove a marker to run one."""

import pytest

from text_stats.tokenizer import *  # noqa: F403
from text_stats.counter import *  # noqa: F403
from text_stats.report import *  # noqa: F403


def test_integration_1():



    text = 'Hello world! Hello again.'
    expected = ['hello', 'world', 'hello', 'again']
    assert tokenize(text) == expected


def test_integration_2():



    text = 'Hello world! Hello again.'
    expected = {'hello': 2, 'world': 1, 'again': 1}
    assert count_words(text) == expected


def test_integration_3():



    text = 'Hello world! Hello again.'
    expected = 'hello: 2\nworld: 1\nagain: 1'
    assert format_report([('hello', 2), ('world', 1), ('again', 1)]) == expected
