"""The unbiased pass@k estimator against its combinatorial definition."""

from __future__ import annotations

from math import comb

import pytest

from dspy_coder.bench.passk import feasible_ks, mean_pass_at_k, pass_at_k
from dspy_coder.errors import UsageError


@pytest.mark.parametrize("n", [1, 2, 5, 10, 20])
def test_matches_one_minus_ratio_of_binomials(n: int):
    for c in range(n + 1):
        for k in range(1, n + 1):
            exact = 1 - comb(n - c, k) / comb(n, k)
            assert pass_at_k(n, c, k) == pytest.approx(exact, abs=1e-12), (n, c, k)


def test_pass_at_1_is_the_fraction_correct_and_bounds_hold():
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(10, 0, 5) == 0.0
    assert pass_at_k(10, 10, 1) == 1.0
    assert pass_at_k(10, 6, 5) == 1.0  # fewer than k wrong samples: some pick must pass


def test_mean_over_problems():
    assert mean_pass_at_k([(10, 3), (10, 0), (10, 10)], k=1) == pytest.approx((0.3 + 0 + 1) / 3)


@pytest.mark.parametrize("n, c, k", [(5, 2, 6), (0, 0, 1), (5, 6, 1), (5, 1, 0)])
def test_invalid_inputs_are_usage_errors(n: int, c: int, k: int):
    with pytest.raises(UsageError):
        pass_at_k(n, c, k)


def test_feasible_ks_respect_the_smallest_sample_count():
    assert feasible_ks([1, 1]) == [1]
    assert feasible_ks([10, 5]) == [1, 5]
    assert feasible_ks([]) == []
