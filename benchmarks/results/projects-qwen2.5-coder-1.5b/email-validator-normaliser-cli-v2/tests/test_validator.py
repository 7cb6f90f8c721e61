"""Unit tests of validator_normaliser_cli.validator from dspy-coder's run: 12 judged it; 0 did not count and are skipped with the reason (remove a marker to run one)."""

from validator_normaliser_cli.validator import *  # noqa: F403


def test_generated_1():
    assert validate_email('example@example.com') == True


def test_generated_2():
    assert validate_email('test@test.com') == True


def test_generated_3():
    assert validate_email('test@.com') == False


def test_generated_4():
    assert validate_email('test@.com.') == False


def test_generated_5():
    assert validate_email('test@.com..') == False


def test_generated_6():
    assert validate_email('test@.com...') == False


def test_generated_7():
    assert validate_email('test@.com....') == False


def test_generated_8():
    assert validate_email('test@.com.....') == False


def test_generated_9():
    assert validate_email('test@.com......') == False


def test_generated_10():
    assert validate_email('test@.com.......') == False


def test_generated_11():
    assert validate_email('test@.com........') == False


def test_generated_12():
    assert validate_email('test@.com.........') == False
