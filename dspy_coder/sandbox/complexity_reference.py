"""A labelled reference set for the complexity estimator: functions with known time classes.

Each entry has the function's source, its entry point, and the source of ``make_input(n)``
(see ``dspy_coder.sandbox.profiling`` for the convention). Several functions per class, mixing
pure-Python loops with C builtins, as generated code would. Used by
``benchmarks/complexity_accuracy.py`` and the profiling tests.

Example:
    >>> from dspy_coder.sandbox.complexity_reference import REFERENCE
    >>> len(REFERENCE) >= 20
    True
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["REFERENCE", "ReferenceFunction"]


@dataclass(frozen=True)
class ReferenceFunction:
    name: str
    label: str
    code: str
    entry_point: str
    make_input: str


_RANGE = "def make_input(n):\n    return (list(range(n)),)\n"
_INT = "def make_input(n):\n    return n\n"
_RANDOM = (
    "import random\n"
    "def make_input(n):\n"
    "    rng = random.Random(n)\n"
    "    return ([rng.random() for _ in range(n)],)\n"
)
_RANDOM_INTS = (
    "import random\n"
    "def make_input(n):\n"
    "    rng = random.Random(n)\n"
    "    return ([rng.randint(-n, n) for _ in range(n)],)\n"
)
_MATRIX = (
    "import random\n"
    "def make_input(n):\n"
    "    rng = random.Random(n)\n"
    "    return ([[rng.random() for _ in range(n)] for _ in range(n)],)\n"
)


def _ref(name: str, label: str, code: str, make_input: str, entry: str = "f") -> ReferenceFunction:
    return ReferenceFunction(name, label, code.strip() + "\n", entry, make_input)


REFERENCE: tuple[ReferenceFunction, ...] = (
    # ---- O(1) ---------------------------------------------------------------------------
    _ref("first_element", "O(1)", "def f(xs):\n    return xs[0] if xs else None", _RANGE),
    _ref("ends_sum", "O(1)", "def f(xs):\n    return xs[0] + xs[-1] + len(xs)", _RANGE),
    _ref("gauss_sum", "O(1)", "def f(n):\n    return n * (n + 1) // 2", _INT),
    _ref(
        "dict_lookup", "O(1)",
        "def f(d, k):\n    return d.get(k, -1) + d.get(-k, 0)",
        "def make_input(n):\n    return ({i: i * i for i in range(n)}, n // 2)\n",
    ),
    # ---- O(log n) -----------------------------------------------------------------------
    _ref(
        "binary_search", "O(log n)",
        """
def f(xs, target):
    lo, hi = 0, len(xs)
    while lo < hi:
        mid = (lo + hi) // 2
        if xs[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo
""",
        "def make_input(n):\n    return (list(range(n)), n - 1)\n",
    ),
    _ref(
        "bit_length_loop", "O(log n)",
        "def f(n):\n    bits = 0\n    while n:\n        n >>= 1\n        bits += 1\n"
        "    return bits",
        _INT,
    ),
    _ref(
        "fast_power_mod", "O(log n)",
        """
def f(e):
    base, result, mod = 3, 1, 1_000_000_007
    while e > 0:
        if e & 1:
            result = result * base % mod
        base = base * base % mod
        e >>= 1
    return result
""",
        _INT,
    ),
    _ref(
        "isqrt_bisection", "O(log n)",
        """
def f(n):
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if mid * mid <= n:
            lo = mid
        else:
            hi = mid - 1
    return lo
""",
        _INT,
    ),
    # ---- O(n) ---------------------------------------------------------------------------
    _ref(
        "sum_loop", "O(n)",
        "def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total",
        _RANGE,
    ),
    _ref(
        "max_loop", "O(n)",
        "def f(xs):\n    best = xs[0]\n    for x in xs:\n        if x > best:\n"
        "            best = x\n    return best",
        _RANDOM,
    ),
    _ref(
        "count_vowels", "O(n)",
        "def f(s):\n    return sum(1 for c in s if c in 'aeiou')",
        "def make_input(n):\n    return ('abcdefghij' * (n // 10 + 1))[:n]\n",
    ),
    _ref(
        "two_sum_hash", "O(n)",
        """
def f(xs, target):
    seen = set()
    for x in xs:
        if target - x in seen:
            return True
        seen.add(x)
    return False
""",
        "def make_input(n):\n    return (list(range(n)), -1)\n",
    ),
    _ref("builtin_sum_squares", "O(n)", "def f(xs):\n    return sum([x * x for x in xs])", _RANGE),
    # ---- O(n log n) ---------------------------------------------------------------------
    _ref(
        "merge_sort", "O(n log n)",
        """
def f(xs):
    if len(xs) <= 1:
        return xs
    mid = len(xs) // 2
    left, right = f(xs[:mid]), f(xs[mid:])
    out, i, j = [], 0, 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            out.append(left[i])
            i += 1
        else:
            out.append(right[j])
            j += 1
    out.extend(left[i:])
    out.extend(right[j:])
    return out
""",
        _RANDOM,
    ),
    _ref("builtin_sorted", "O(n log n)", "def f(xs):\n    return sorted(xs)", _RANDOM),
    _ref(
        "heap_sort", "O(n log n)",
        """
import heapq
def f(xs):
    heap = []
    for x in xs:
        heapq.heappush(heap, x)
    return [heapq.heappop(heap) for _ in range(len(heap))]
""",
        _RANDOM,
    ),
    _ref(
        "quick_sort", "O(n log n)",
        """
def f(xs):
    if len(xs) <= 1:
        return xs
    pivot = xs[len(xs) // 2]
    return (f([x for x in xs if x < pivot]) + [x for x in xs if x == pivot]
            + f([x for x in xs if x > pivot]))
""",
        _RANDOM,
    ),
    # ---- O(n^2) -------------------------------------------------------------------------
    _ref(
        "insertion_sort", "O(n^2)",
        """
def f(xs):
    xs = list(xs)
    for i in range(1, len(xs)):
        key, j = xs[i], i - 1
        while j >= 0 and xs[j] > key:
            xs[j + 1] = xs[j]
            j -= 1
        xs[j + 1] = key
    return xs
""",
        _RANDOM,
    ),
    _ref(
        "count_inversions_naive", "O(n^2)",
        """
def f(xs):
    count = 0
    for i in range(len(xs)):
        for j in range(i + 1, len(xs)):
            if xs[i] > xs[j]:
                count += 1
    return count
""",
        _RANDOM,
    ),
    _ref(
        "selection_sort", "O(n^2)",
        """
def f(xs):
    xs = list(xs)
    for i in range(len(xs)):
        m = min(range(i, len(xs)), key=xs.__getitem__)
        xs[i], xs[m] = xs[m], xs[i]
    return xs
""",
        _RANDOM,
    ),
    _ref(
        "has_duplicate_pairs", "O(n^2)",
        """
def f(xs):
    found = 0
    for i, a in enumerate(xs):
        for b in xs[i + 1:]:
            if a + b == 0:
                found += 1
    return found
""",
        _RANDOM_INTS,
    ),
    # ---- O(n^3) -------------------------------------------------------------------------
    _ref(
        "matrix_multiply", "O(n^3)",
        """
def f(a):
    n = len(a)
    out = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            s = 0.0
            for k in range(n):
                s += a[i][k] * a[k][j]
            out[i][j] = s
    return out
""",
        _MATRIX,
    ),
    _ref(
        "three_sum_naive", "O(n^3)",
        """
def f(xs):
    n, count = len(xs), 0
    for i in range(n):
        for j in range(i + 1, n):
            for k in range(j + 1, n):
                if xs[i] + xs[j] + xs[k] == 0:
                    count += 1
    return count
""",
        _RANDOM_INTS,
    ),
    _ref(
        "floyd_warshall", "O(n^3)",
        """
def f(d):
    n = len(d)
    d = [row[:] for row in d]
    for k in range(n):
        for i in range(n):
            dik = d[i][k]
            for j in range(n):
                if dik + d[k][j] < d[i][j]:
                    d[i][j] = dik + d[k][j]
    return d
""",
        _MATRIX,
    ),
    # ---- O(2^n) -------------------------------------------------------------------------
    _ref(
        "naive_fibonacci", "O(2^n)",
        "def f(n):\n    return n if n < 2 else f(n - 1) + f(n - 2)", _INT,
    ),
    _ref(
        "power_set_sums", "O(2^n)",
        """
def f(xs):
    sums = [0]
    for x in xs:
        sums = sums + [s + x for s in sums]
    return len(sums)
""",
        _RANGE,
    ),
    _ref(
        "hanoi_moves", "O(2^n)",
        """
def f(n, a='A', b='B', c='C'):
    if n == 0:
        return 0
    return f(n - 1, a, c, b) + 1 + f(n - 1, c, b, a)
""",
        _INT,
    ),
    _ref(
        "subset_sum_recursive", "O(2^n)",
        """
def f(xs, target=-1, i=0):
    if i == len(xs):
        return target == 0
    return f(xs, target - xs[i], i + 1) or f(xs, target, i + 1)
""",
        _RANGE,
    ),
)
