"""The complexity fit on synthetic timings (pure function: no processes, no clocks)."""

from __future__ import annotations

import math
import random

import pytest

from dspy_coder.errors import UsageError
from dspy_coder.sandbox.complexity import estimate_complexity, fit_models
from dspy_coder.types import COMPLEXITY_ORDER

GROWTH = {
    "O(1)": lambda n: 0.0,
    "O(log n)": lambda n: math.log2(n),
    "O(n)": lambda n: float(n),
    "O(n log n)": lambda n: n * math.log2(n),
    "O(n^2)": lambda n: float(n * n),
    "O(n^3)": lambda n: float(n**3),
    "O(2^n)": lambda n: 2.0**n,
}
# Size ranges like those the profiler reaches before a call takes ~20 ms.
SIZES = {
    "O(1)": [2**k for k in range(21)],
    "O(log n)": [2**k for k in range(21)],
    "O(n)": [2**k for k in range(20)],
    "O(n log n)": [2**k for k in range(17)],
    "O(n^2)": [2**k for k in range(11)],
    "O(n^3)": [2**k for k in range(8)],
    "O(2^n)": [1, 2, 4, 8, 16, 18, 20, 22],
}
UNIT = {"O(1)": 0, "O(log n)": 5e-8, "O(n)": 3e-8, "O(n log n)": 4e-8, "O(n^2)": 5e-8,
        "O(n^3)": 5e-8, "O(2^n)": 1e-7}


def synthetic(label: str, noise: float, seed: int) -> tuple[list[int], list[float]]:
    """Overhead + growth, with one-sided multiplicative noise (interference only adds time)."""
    rng = random.Random(seed)
    sizes = SIZES[label]
    times = [(1e-7 + UNIT[label] * GROWTH[label](n)) * (1 + abs(rng.gauss(0, noise)))
             for n in sizes]
    return sizes, times


@pytest.mark.parametrize("label", COMPLEXITY_ORDER)
@pytest.mark.parametrize("noise", [0.0, 0.05, 0.15])
def test_each_class_is_recovered_from_noisy_timings(label: str, noise: float) -> None:
    for seed in range(5):
        sizes, times = synthetic(label, noise, seed)
        estimate = estimate_complexity(sizes, times)
        assert estimate.label == label, (seed, estimate)
        assert estimate.sizes == sizes and estimate.times_s == times


def test_fibonacci_growth_counts_as_exponential() -> None:
    sizes = list(range(10, 31, 2))
    times = [1e-7 * 1.618**n for n in sizes]
    assert estimate_complexity(sizes, times).label == "O(2^n)"


def test_tiny_growth_is_constant_not_logarithmic() -> None:
    # 5 ns -> 20 ns over a 1M range (cache misses on a bigger list): not an algorithm's growth.
    sizes = [2**k for k in range(21)]
    times = [5e-9 + 15e-9 * k / 20 for k in range(21)]
    assert estimate_complexity(sizes, times).label == "O(1)"
    # The same shape, 100x larger, is real logarithmic growth.
    assert estimate_complexity(sizes, [100 * t for t in times]).label == "O(log n)"


def test_prefers_the_simpler_class_when_fits_are_equally_good() -> None:
    sizes = [2**k for k in range(4, 18)]
    linear = [1e-6 + 1e-8 * n for n in sizes]
    fits = fit_models(sizes, linear)
    # n log n can fit a line on a narrow range too; the simpler class must win.
    assert estimate_complexity(sizes, linear).label == "O(n)"
    assert fits["O(n)"].error <= fits["O(n log n)"].error


def test_one_outlier_does_not_change_the_class() -> None:
    sizes = [2**k for k in range(4, 16)]
    times = [2e-7 + 4e-9 * n * n for n in sizes]
    times[5] *= 3  # a burst of interference at one size
    assert estimate_complexity(sizes, times).label == "O(n^2)"


def test_fit_quality_is_high_for_clean_data_and_lower_for_noise() -> None:
    sizes, clean = synthetic("O(n^2)", 0.0, 0)
    _, noisy = synthetic("O(n^2)", 0.3, 1)
    q_clean = estimate_complexity(sizes, clean).fit_quality
    q_noisy = estimate_complexity(sizes, noisy).fit_quality
    assert q_clean > 0.99
    assert 0.0 <= q_noisy < q_clean


def test_fit_models_reports_every_class_with_exact_fit_for_its_own_data() -> None:
    sizes = [2**k for k in range(3, 15)]
    fits = fit_models(sizes, [3e-7 + 2e-9 * n * math.log2(n) for n in sizes])
    assert set(fits) == set(COMPLEXITY_ORDER)
    assert fits["O(n log n)"].error < 0.01 < fits["O(n)"].error


@pytest.mark.parametrize(
    ("sizes", "times", "match"),
    [
        ([1, 2, 3], [1.0, 2.0], "differ in length"),
        ([1, 2], [1.0, 2.0], ">= 3 sizes"),
        ([0, 1, 2], [1.0, 1.0, 1.0], ">= 1"),
        ([1, 2, 3], [1.0, float("nan"), 1.0], "finite"),
    ],
)
def test_bad_input_is_a_usage_error(sizes: list[int], times: list[float], match: str) -> None:
    with pytest.raises(UsageError, match=match):
        estimate_complexity(sizes, times)
