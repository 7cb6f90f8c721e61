"""Recognise Python values and expressions in docstring prose, for ``example_forms``.

Everything here answers one question conservatively: is this piece of text (or a prefix of
it) a Python literal we can trust as an expected value or an argument? Text that is almost
a literal (unquoted strings, ``a`` for an argument) is rejected, never repaired.

Example:
    >>> clean_value("24 # sum of 21 + 3"), clean_value("19 - 5 - 6 = 8"), clean_value("a")
    ('24', '8', None)
"""

from __future__ import annotations

import ast
import io
import math
import re
import tokenize

JSON_WORDS = {"true": "True", "false": "False", "null": "None"}
_ARITH_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.USub, ast.UAdd)
# a bare "=" (not part of ==, <=, >=, !=, =>)
_SINGLE_EQUALS = re.compile(r"(?<![=<>!])=(?![=>])")
# a trailing "(the name should start with a letter)" aside
_PAREN_ASIDE = re.compile(r"^(.+?)\s+\(([A-Za-z][^()]*\s[^()]*)\)[.\s]*$")


def is_literal(source: str) -> bool:
    """``source`` is a Python literal (``ast.literal_eval`` accepts it)."""
    try:
        ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def parse_expression(source: str) -> ast.expr | None:
    """The expression node of ``source``, or None if it is not a single Python expression."""
    try:
        return ast.parse(source.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None


def strip_comment(source: str) -> str:
    """``source`` without a trailing ``# comment`` (a ``#`` inside a string is kept)."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                return source[: token.start[1]].rstrip()
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source
    return source


def _basic_value(text: str) -> str | None:
    """``text`` as a literal, allowing JSON booleans and trailing prose punctuation."""
    text = strip_comment(text.strip())
    candidate = JSON_WORDS.get(text.rstrip(".,;").lower(), text)
    for _ in range(3):
        if candidate and is_literal(candidate):
            return candidate
        candidate = candidate.rstrip(".,;").strip()
    return candidate if candidate and is_literal(candidate) else None


def _arithmetic(source: str) -> float | None:
    """The value of a constant arithmetic expression (numbers, + - * / // %), else None."""
    node = parse_expression(source)
    if node is None:
        return None
    for sub in ast.walk(node):
        allowed = isinstance(sub, (ast.BinOp, ast.UnaryOp, *_ARITH_OPS))
        number = isinstance(sub, ast.Constant) and type(sub.value) in (int, float)
        if not (allowed or number):
            return None
    try:
        return float(eval(compile(ast.Expression(node), "<arith>", "eval"), {"__builtins__": {}}))
    except (ArithmeticError, ValueError):
        return None


def _chain_value(text: str) -> str | None:
    """``19 - 5 - 6 = 8``: the last value of an equation chain whose sides all agree."""
    parts = [part.strip() for part in _SINGLE_EQUALS.split(text)]
    if len(parts) < 2 or not all(parts):
        return None
    last = _basic_value(parts[-1])
    values = [_arithmetic(part) for part in parts]
    if last is None or any(value is None for value in values):
        return None
    agree = all(math.isclose(value, values[-1], abs_tol=1e-9) for value in values)  # type: ignore[arg-type]
    return last if agree else None


def clean_value(text: str, prose: bool = True) -> str | None:
    """The expected value written in ``text``, or None when it is not clearly a literal.

    Always accepted: a literal, JSON ``true``/``false``/``null``, trailing ``.,;`` and a
    ``# comment``. With ``prose``, also a trailing ``(parenthetical aside)`` and an equation
    chain whose sides agree (``19 - 5 - 6 = 8`` -> ``8``).
    """
    value = _basic_value(text)
    if value is not None or not prose:
        return value
    aside = _PAREN_ASIDE.match(text.strip())
    if aside:
        return _basic_value(aside.group(1))
    return _chain_value(text.strip().rstrip("."))


def literal_prefix(text: str) -> tuple[str, str] | None:
    """Split ``text`` into the shortest literal prefix ending before a ``,`` or the end,
    and the rest: ``'[1, 2], k = 3'`` -> ``('[1, 2]', ', k = 3')``."""
    for end in range(1, len(text) + 1):
        if end < len(text) and text[end] != ",":
            continue
        candidate = text[:end].strip()
        if candidate and is_literal(candidate):
            return candidate, text[end:]
    return None
