"""Unit tests of validator_normaliser_cli.normaliser from dspy-coder's run: 1 judged it; 1 did not count and are skipped with the reason (remove a marker to run one)."""

import pytest

from validator_normaliser_cli.normaliser import *  # noqa: F403
from validator_normaliser_cli.validator import *  # noqa: F403


def test_property_idempotent_normalise_email():
    for _args in [('example@example.com',), ('invalid-email',), ('another.invalid@.com',), ('12345',), ('-example@example.com',)]:
        try:
            _once = normalise_email(*_args)
        except Exception:
            continue
        _twice = normalise_email(_once)
        assert _twice == _once, (
            f'normalise_email({_once!r}) returned {_twice!r}: normalising a normalised '
            'value should change nothing')


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_1():
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('invalid-email') == 'invalid-email'
    assert normalise_email('another.invalid@.com') == 'another.invalid@.com'
    assert normalise_email('12345') == '12345'
    assert normalise_email('-example@example.com') == '-example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
    assert normalise_email('example@example.com') == 'example@example.com'
