"""Unit tests of validator_normaliser_cli.cli from dspy-coder's run: 8 judged it; 4 did not count and are skipped with the reason (remove a marker to run one)."""

import pytest

from validator_normaliser_cli.cli import *  # noqa: F403
from validator_normaliser_cli.validator import *  # noqa: F403
from validator_normaliser_cli.normaliser import *  # noqa: F403


def test_generated_1():
    assert main('example@example.com') == True


def test_generated_6():
    assert main('example@example.com ') == True


def test_generated_7():
    assert main('example@example.com\n') == True


def test_generated_8():
    assert main('example@example.com\t') == True


def test_generated_9():
    assert main('example@example.com\r') == True


def test_generated_10():
    assert main('example@example.com ') == True


def test_generated_11():
    assert main('example@example.com\n') == True


def test_generated_12():
    assert main('example@example.com\t') == True


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_2():
    assert main('example@example.com ') == False


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_3():
    assert main('example@example.com\n') == False


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_4():
    assert main('example@example.com\t') == False


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_5():
    assert main('example@example.com\r') == False
