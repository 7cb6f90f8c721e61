"""Unit tests of validator_normaliser_cli.cli from dspy-coder's run: 0 judged it; 1 did not count and are skipped with the reason (remove a marker to run one)."""

import pytest

from validator_normaliser_cli.cli import *  # noqa: F403
from validator_normaliser_cli.validator import *  # noqa: F403
from validator_normaliser_cli.normaliser import *  # noqa: F403


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_1():
    from validator_normaliser_cli.validator import validate_email
    from validator_normaliser_cli.normaliser import normalise_email
    assert main(['example@example.com']) == 0
    assert main(['invalid-email']) == 0
    assert main(['another.invalid@.com']) == 0
