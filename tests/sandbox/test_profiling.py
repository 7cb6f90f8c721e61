"""profile() and measure() run code in the real sandbox and report time, memory, complexity."""

from __future__ import annotations

import time

import pytest

from dspy_coder.errors import UsageError
from dspy_coder.sandbox.complexity_reference import REFERENCE
from dspy_coder.sandbox.limits import Limits
from dspy_coder.sandbox.profiling import measure, profile

LINEAR = "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s\n"
QUADRATIC = (
    "def pairs(xs):\n    c = 0\n    for a in xs:\n        for b in xs:\n            c += a < b\n"
    "    return c\n"
)
RANGE_INPUT = "def make_input(n):\n    return (list(range(n)),)\n"


def test_linear_and_quadratic_functions_are_told_apart() -> None:
    linear = profile(LINEAR, "total", RANGE_INPUT, budget_s=2)
    quadratic = profile(QUADRATIC, "pairs", RANGE_INPUT, budget_s=2)
    assert linear.status == quadratic.status == "ok"
    assert linear.complexity is not None and linear.complexity.label == "O(n)"
    assert quadratic.complexity is not None and quadratic.complexity.label == "O(n^2)"
    # n grows until a call takes ~target_call_s: far further for the linear function.
    assert max(p.n for p in linear.points) > 50 * max(p.n for p in quadratic.points)
    sizes = [p.n for p in linear.points]
    assert sizes == sorted(sizes) and len(sizes) >= 8
    assert linear.points[-1].raw_time_s > 100 * linear.points[0].raw_time_s
    assert "net_namespace" in linear.isolation


def test_exponential_reference_function_gets_linear_steps_and_is_exponential() -> None:
    ref = next(r for r in REFERENCE if r.name == "naive_fibonacci")
    result = profile(ref.code, ref.entry_point, ref.make_input, budget_s=3)
    assert result.complexity is not None and result.complexity.label == "O(2^n)"
    sizes = [p.n for p in result.points]
    # after explosive growth the profiler steps n linearly instead of doubling
    assert any(b - a < a for a, b in zip(sizes[3:], sizes[4:], strict=False))


def test_memory_per_call_and_space_class() -> None:
    code = "def copy_twice(xs):\n    return [x for x in xs] + [x for x in xs]\n"
    result = profile(code, "copy_twice", RANGE_INPUT, budget_s=2)
    assert result.status == "ok"
    big = result.points[-1]
    # two lists of n pointers: at least 16 bytes per element
    assert big.peak_memory_mb * 1024 * 1024 > 16 * big.n
    assert result.space_complexity == "O(n)"
    metrics = result.to_metrics()
    assert metrics.time_complexity == result.complexity.label  # type: ignore[union-attr]
    assert metrics.peak_memory_mb == big.peak_memory_mb


def test_in_place_mutation_gets_fresh_inputs() -> None:
    code = "def sort_in_place(xs):\n    xs.sort()\n    return xs\n"
    make_input = (
        "import random\ndef make_input(n):\n    r = random.Random(n)\n"
        "    return [r.random() for _ in range(n)]\n"  # a bare list: the single argument
    )
    result = profile(code, "sort_in_place", make_input, budget_s=2)
    assert result.status == "ok" and result.fresh_inputs is True
    assert result.complexity is not None and result.complexity.label == "O(n log n)"


def test_explicit_sizes_are_used() -> None:
    result = profile(LINEAR, "total", RANGE_INPUT, sizes=[100, 1000, 10_000, 100_000], budget_s=2)
    assert [p.n for p in result.points] == [100, 1000, 10_000, 100_000]
    # the fit uses exactly those points; which label they give is timing, checked by the
    # classification tests above (a loaded machine once read this linear sum as O(n log n))
    assert result.complexity is not None and result.complexity.sizes == [100, 1000, 10_000, 100_000]


def test_exception_in_the_code_is_data_with_user_traceback() -> None:
    code = "def bad(xs):\n    return xs[len(xs)]\n"
    result = profile(code, "bad", RANGE_INPUT, budget_s=1)
    assert result.status == "error"
    assert "IndexError" in result.error and 'File "<candidate>", line 2, in bad' in result.error
    assert "_profile_runner" not in result.error  # only the user's frames are shown
    assert result.complexity is None


def test_missing_entry_point_is_reported() -> None:
    result = profile(LINEAR, "nope", RANGE_INPUT, budget_s=1)
    assert result.status == "error" and "'nope'" in result.error


def test_a_call_that_never_ends_times_out_quickly() -> None:
    code = "def spin(xs):\n    while True:\n        pass\n"
    start = time.monotonic()
    result = profile(code, "spin", RANGE_INPUT, budget_s=1, max_call_s=0.3)
    assert result.status == "timeout"
    assert time.monotonic() - start < 10


def test_a_call_that_ignores_the_timer_is_killed_by_the_host() -> None:
    code = (
        "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "def spin(xs):\n    while True:\n        pass\n"
    )
    start = time.monotonic()
    result = profile(code, "spin", RANGE_INPUT, budget_s=0.5, max_call_s=0.2)
    assert result.status == "timeout"
    assert time.monotonic() - start < 20


def test_usage_errors() -> None:
    with pytest.raises(UsageError, match="identifier"):
        profile(LINEAR, "not a name", RANGE_INPUT)
    with pytest.raises(UsageError, match="make_input"):
        profile(LINEAR, "total", "def build(n):\n    return n\n")
    with pytest.raises(UsageError, match="at least 3"):
        profile(LINEAR, "total", RANGE_INPUT, sizes=[1, 2])
    with pytest.raises(UsageError, match="literals"):
        measure(LINEAR, "total", (object(),))


def test_measure_one_call() -> None:
    ok = measure(LINEAR, "total", "(list(range(200_000)),)")
    assert ok.status == "ok" and ok.time_s is not None and 0 < ok.time_s < 1
    small = measure(LINEAR, "total", ([1, 2, 3],))
    assert small.status == "ok" and small.time_s is not None and small.time_s < ok.time_s
    alloc = measure("def grow(n):\n    return list(range(n))\n", "grow", (1_000_000,))
    assert alloc.peak_memory_mb is not None and alloc.peak_memory_mb > 8


def test_measure_reports_failures_as_data() -> None:
    err = measure("def inv(x):\n    return 1 / x\n", "inv", (0,))
    assert err.status == "error" and "ZeroDivisionError" in err.error
    slow = measure("def spin(x):\n    while True:\n        pass\n", "spin", (1,),
                   limits=Limits(timeout_s=0.5))
    assert slow.status == "timeout"


def test_a_crash_mid_way_is_an_error_that_keeps_the_measured_sizes() -> None:
    code = (
        "import os\ndef f(xs):\n    if len(xs) > 1000:\n        os._exit(3)\n"
        "    return sum(xs)\n"
    )
    result = profile(code, "f", RANGE_INPUT, budget_s=1)
    assert result.status == "error" and "exited" in result.error
    assert result.points and max(p.n for p in result.points) <= 1000
