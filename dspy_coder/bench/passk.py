"""The unbiased pass@k estimator of Chen et al. (2021), "Evaluating Large Language Models
Trained on Code", section 2.1.

For one problem with ``n`` samples of which ``c`` pass, ``pass@k = 1 - C(n-c, k) / C(n, k)``:
the probability that at least one of ``k`` samples drawn without replacement passes. The
benchmark score is its mean over problems.

Example:
    >>> round(pass_at_k(n=10, c=3, k=1), 6)
    0.3
    >>> round(pass_at_k(n=10, c=3, k=5), 4)
    0.9167
    >>> round(mean_pass_at_k([(10, 3), (10, 0)], k=1), 6)
    0.15
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from dspy_coder.errors import UsageError


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one problem: ``n`` samples, ``c`` correct, ``k <= n``.

    Computed as ``1 - prod_{i=n-c+1}^{n} (1 - k / i)``, the numerically stable form used by
    the paper's reference code.
    """
    if n < 1 or not 0 <= c <= n:
        raise UsageError(f"pass@k needs n >= 1 and 0 <= c <= n (got n={n}, c={c}).")
    if not 1 <= k <= n:
        raise UsageError(f"pass@{k} needs 1 <= k <= n; only {n} samples were drawn.")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def mean_pass_at_k(counts: Iterable[tuple[int, int]], k: int) -> float:
    """Mean of :func:`pass_at_k` over problems given ``(n, c)`` per problem."""
    values = [pass_at_k(n, c, k) for n, c in counts]
    if not values:
        raise UsageError("pass@k over an empty problem set is undefined.")
    return float(np.mean(values))


def feasible_ks(samples: Sequence[int], wanted: Sequence[int] = (1, 5, 10, 100)) -> list[int]:
    """The ``k`` values that every problem supports (``k <= min(n)``), always including 1.

    Example:
        >>> feasible_ks([10, 10, 12])
        [1, 5, 10]
    """
    if not samples:
        return []
    smallest = min(samples)
    return sorted({1, *[k for k in wanted if k <= smallest]})
