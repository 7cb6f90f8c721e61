"""Name the shape of a wrong answer, so a small model can act on "expected vs actual".

"returned [5, -3, -4], expected [-4, -3, 5]" is concrete, but a small model can read past it
and return the same code. A plain-words diagnosis of the difference ("the expected value is
your result sorted in ascending order") is what a reviewer would say.
Only comparisons that are certain are named; anything else gets no hint.

Example:
    >>> hint_for("[5, -3, -4]", "[-4, -3, 5]")
    'the expected value is your result sorted in ascending order'
    >>> with_hints("f(3) returned None, expected 9")
    'f(3) returned None, expected 9 (hint: your function returned None: a path without a return?)'
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from typing import Any

_RETURNED = re.compile(r"^(?P<head>.*? returned )(?P<actual>.+?), expected (?P<expected>.+?)"
                       r"(?P<after> \(after .*\))?$")
_MISSING = object()


def _value(text: str) -> Any:
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _MISSING


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _multiset(items: list | tuple) -> Counter | None:
    try:
        return Counter(repr(item) for item in items)
    except TypeError:
        return None


def _sequence_hint(actual: list | tuple, expected: list | tuple) -> str | None:
    if len(actual) != len(expected):
        return f"expected {len(expected)} items, got {len(actual)}"
    if _multiset(actual) != _multiset(expected):
        return None
    for order, words in ((False, "ascending"), (True, "descending")):
        try:
            if list(expected) == sorted(actual, reverse=order):
                return f"the expected value is your result sorted in {words} order"
        except TypeError:
            break
    if list(expected) == list(reversed(actual)):
        return "the expected value is your result reversed"
    return "the right items in the wrong order"


def _number_hint(actual: float, expected: float) -> str | None:
    if actual == -expected:
        return "the right magnitude with the wrong sign"
    if abs(actual - expected) == 1:
        return "off by one"
    return None


def hint_for(actual_text: str, expected_text: str) -> str | None:
    """A short diagnosis of how ``actual`` differs from ``expected`` (Python literals), or None."""
    actual, expected = _value(actual_text), _value(expected_text)
    if actual is _MISSING or expected is _MISSING:
        return None
    if actual is None and expected is not None:
        return "your function returned None: a path without a return?"
    if isinstance(actual, bool) and isinstance(expected, bool):
        return "the opposite truth value"
    numbers = (isinstance(actual, int | float) and isinstance(expected, int | float)
               and not isinstance(actual, bool) and not isinstance(expected, bool))
    if type(actual) is not type(expected) and not numbers:
        return f"expected {_a(type(expected).__name__)}, got {_a(type(actual).__name__)}"
    if isinstance(actual, int | float) and isinstance(expected, int | float):
        return _number_hint(actual, expected)
    if isinstance(actual, list | tuple):
        return _sequence_hint(actual, expected)
    if isinstance(actual, str):
        if actual.lower() == expected.lower():
            return "the same text with different letter case"
        if actual.strip() == expected.strip() or actual.split() == expected.split():
            return "the same text with different whitespace"
    return None


def with_hints(text: str) -> str:
    """Append ``(hint: ...)`` to every ``<call> returned <actual>, expected <expected>`` line."""
    lines = []
    for line in text.splitlines():
        match = _RETURNED.match(line.strip())
        hint = match and hint_for(match["actual"], match["expected"])
        lines.append(f"{line} (hint: {hint})" if hint else line)
    return "\n".join(lines)
