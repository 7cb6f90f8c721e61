"""Unit tests of validator_normaliser_cli.normaliser from dspy-coder's run: 2 judged it; 11 did not count and are skipped with the reason (remove a marker to run one)."""

import pytest

from validator_normaliser_cli.normaliser import *  # noqa: F403
from validator_normaliser_cli.validator import *  # noqa: F403


def test_property_idempotent_normalise_email():
    for _args in [('example@example.com',), ('example@.com',), ('example.com',)]:
        try:
            _once = normalise_email(*_args)
        except Exception:
            continue
        _twice = normalise_email(_once)
        assert _twice == _once, (
            f'normalise_email({_once!r}) returned {_twice!r}: normalising a normalised '
            'value should change nothing')


def test_generated_1():
    assert normalise_email('example@example.com') == 'example@example.com'


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_2():
    assert normalise_email('example@.com') == 'example@example.com'


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_3():
    assert normalise_email('example.com') == 'example@example.com'


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_4():
    assert normalise_email('example@.com') == 'example@example.com'


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_5():
    assert normalise_email('example@.com') == 'example@example.com'


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_6():
    assert normalise_email('example@.com') == 'example@example.com'


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_7():
    assert normalise_email('example@.com') == 'example@example.com'


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_8():
    assert normalise_email('example@.com') == 'example@example.com'


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_9():
    assert normalise_email('example@.com') == 'example@example.com'


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_10():
    assert normalise_email('example@.com') == 'example@example.com'


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_11():
    assert normalise_email('example@.com') == 'example@example.com'


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_12():
    assert normalise_email('example@.com') == 'example@example.com'
