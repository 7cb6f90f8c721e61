"""Fit an empirical time-complexity class to timings over growing input sizes.

Pure functions, no I/O: :func:`estimate_complexity` takes sizes and per-call times (seconds)
and returns a :class:`~dspy_coder.types.ComplexityEstimate`.

Method. Each candidate class ``f`` is fitted as ``t = a + b * f(n)`` (``a, b >= 0``) by
weighted least squares on *relative* residuals, so that a 1 µs point counts as much as a
100 ms point. The exponential class has a free base ``c`` (``f(n) = c ** n``, ``c`` searched
over 1.05..4), so Fibonacci-like ``1.6 ** n`` growth is still "O(2^n)". A model's error is the
RMS of ``log(predicted / measured)``. The simplest class whose error is within
``tolerance`` (relative) plus ``noise_floor`` (absolute) of the best error wins: a more
complex class must fit *clearly* better to be chosen. Finally, if the chosen class explains
less than ``min_growth`` of the largest time as growth over the measured range, the function
(or grows by less than ``min_growth_s``, 100 ns) is O(1): timing noise and cache effects
must not be mistaken for growth.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dspy_coder.errors import UsageError
from dspy_coder.types import COMPLEXITY_ORDER, ComplexityEstimate

__all__ = ["ModelFit", "estimate_complexity", "fit_models"]

_TINY = 1e-12
_EXP_BASES = tuple(1.05 * (4.0 / 1.05) ** (i / 59) for i in range(60))


@dataclass(frozen=True)
class ModelFit:
    """One candidate class fitted to the timings: ``t ≈ a + b * f(n)``."""

    label: str
    a: float
    b: float
    error: float  # RMS of log(predicted / measured)
    r2: float  # R^2 of log times (0..1); 0 for the constant model
    predicted: tuple[float, ...]


def _log2(n: float) -> float:
    return math.log2(max(n, 1.0))


_BASIS: dict[str, Callable[[float], float]] = {
    "O(1)": lambda n: 0.0,
    "O(log n)": _log2,
    "O(n)": lambda n: float(n),
    "O(n log n)": lambda n: n * _log2(n),
    "O(n^2)": lambda n: float(n) ** 2,
    "O(n^3)": lambda n: float(n) ** 3,
}


def _wls(f: Sequence[float], t: Sequence[float]) -> tuple[float, float]:
    """Minimise sum(((a + b*f_i) - t_i) / t_i)^2 with a, b >= 0."""
    w = [1.0 / (ti * ti) for ti in t]
    sw = sum(w)
    swf = sum(wi * fi for wi, fi in zip(w, f, strict=True))
    swff = sum(wi * fi * fi for wi, fi in zip(w, f, strict=True))
    swt = sum(wi * ti for wi, ti in zip(w, t, strict=True))
    swft = sum(wi * fi * ti for wi, fi, ti in zip(w, f, t, strict=True))
    det = sw * swff - swf * swf
    if det > _TINY * sw * swff and swff > 0:
        a = (swff * swt - swf * swft) / det
        b = (sw * swft - swf * swt) / det
        if a >= 0 and b >= 0:
            return a, b
    # Boundary solutions: a = 0, or b = 0; keep whichever fits better.
    candidates = [(swt / sw, 0.0)]
    if swff > 0:
        candidates.append((0.0, max(swft / swff, 0.0)))
    return min(candidates, key=lambda ab: _rel_sse(ab, f, t))


def _rel_sse(ab: tuple[float, float], f: Sequence[float], t: Sequence[float]) -> float:
    a, b = ab
    return sum(((a + b * fi) - ti) ** 2 / (ti * ti) for fi, ti in zip(f, t, strict=True))


def _evaluate(label: str, f: Sequence[float], t: Sequence[float]) -> ModelFit:
    a, b = _wls(f, t)
    pred = tuple(max(a + b * fi, _TINY) for fi in f)
    logs = [math.log(ti) for ti in t]
    res = [math.log(p) - lt for p, lt in zip(pred, logs, strict=True)]
    error = math.sqrt(sum(r * r for r in res) / len(res))
    mean = sum(logs) / len(logs)
    ss_tot = sum((lt - mean) ** 2 for lt in logs)
    ss_res = sum(r * r for r in res)
    r2 = 0.0 if label == "O(1)" or ss_tot <= 0 else max(0.0, min(1.0, 1.0 - ss_res / ss_tot))
    return ModelFit(label=label, a=a, b=b, error=error, r2=r2, predicted=pred)


def _exp_fit(sizes: Sequence[float], t: Sequence[float]) -> ModelFit:
    n_max = max(sizes)
    best: ModelFit | None = None
    for c in _EXP_BASES:
        # Normalised at n_max so large n never overflows: f(n_max) = 1.
        f = [math.exp((n - n_max) * math.log(c)) for n in sizes]
        fit = _evaluate("O(2^n)", f, t)
        if best is None or fit.error < best.error:
            best = fit
    assert best is not None
    return best


def fit_models(sizes: Sequence[float], times_s: Sequence[float]) -> dict[str, ModelFit]:
    """Fit every class in ``COMPLEXITY_ORDER`` to the timings.

    Example:
        >>> fits = fit_models([1, 2, 4, 8, 16], [1e-6, 2e-6, 4e-6, 8e-6, 16e-6])
        >>> round(fits["O(n)"].error, 6)
        0.0
    """
    _validate(sizes, times_s)
    t = [max(float(x), _TINY) for x in times_s]
    n_max = float(max(sizes))
    fits: dict[str, ModelFit] = {}
    for label, basis in _BASIS.items():
        scale = basis(n_max) or 1.0  # normalise f for numerical conditioning
        fits[label] = _evaluate(label, [basis(float(n)) / scale for n in sizes], t)
    fits["O(2^n)"] = _exp_fit([float(n) for n in sizes], t)
    return fits


def _validate(sizes: Sequence[float], times_s: Sequence[float]) -> None:
    if len(sizes) != len(times_s):
        raise UsageError(f"sizes ({len(sizes)}) and times_s ({len(times_s)}) differ in length.")
    if len(sizes) < 3:
        raise UsageError("Need timings at >= 3 sizes to estimate complexity.")
    if min(sizes) < 1:
        raise UsageError("Input sizes must be >= 1.")
    if any(not math.isfinite(x) or x < 0 for x in times_s):
        raise UsageError("times_s must be finite and non-negative.")


def _growth(fit: ModelFit) -> tuple[float, float]:
    """Growth over the range the model predicts: (seconds, share of the largest time)."""
    top = max(fit.predicted)
    return top - min(fit.predicted), (top - min(fit.predicted)) / top


def estimate_complexity(
    sizes: Sequence[int],
    times_s: Sequence[float],
    *,
    tolerance: float = 0.25,
    noise_floor: float = 0.03,
    min_growth: float = 0.2,
    min_growth_s: float = 1e-7,
) -> ComplexityEstimate:
    """Choose the complexity class that best explains ``times_s`` over ``sizes``.

    Args:
        sizes: input sizes n (>= 1), at least 3 distinct points.
        times_s: time per call at each size, ideally with call overhead subtracted.
        tolerance: a more complex class must beat a simpler one's error by this fraction...
        noise_floor: ...plus this absolute RMS-log margin (about the timing noise, 3%).
        min_growth: below this share of growth over the range the function is O(1)...
        min_growth_s: ...and also below this many seconds of growth (100 ns: less than a few
            Python operations, e.g. cache misses on a bigger input, not an algorithm).

    Returns:
        The label and its fit quality (R^2 of log times; for O(1), 1 minus the spread).

    Example:
        >>> sizes = [2 ** k for k in range(4, 16)]
        >>> estimate_complexity(sizes, [1e-6 + 3e-8 * n * n for n in sizes]).label
        'O(n^2)'
        >>> estimate_complexity(sizes, [5e-7] * len(sizes)).label
        'O(1)'
    """
    fits = fit_models(sizes, times_s)
    best_error = min(fit.error for fit in fits.values())
    threshold = best_error * (1.0 + tolerance) + noise_floor
    label = next(lb for lb in COMPLEXITY_ORDER if fits[lb].error <= threshold)
    if label != "O(1)":
        growth_s, growth_share = _growth(fits[label])
        if growth_share < min_growth or growth_s < min_growth_s:
            label = "O(1)"
    chosen = fits[label]
    quality = max(0.0, 1.0 - chosen.error) if label == "O(1)" else chosen.r2
    return ComplexityEstimate(
        label=label,  # type: ignore[arg-type]
        fit_quality=round(quality, 4),
        sizes=[int(n) for n in sizes],
        times_s=[float(x) for x in times_s],
    )
