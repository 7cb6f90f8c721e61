"""The literal arguments tests call a function with: inputs known to fit its signature.

Example:
    >>> literal_calls(["def test_a():\\n    assert f(1, 'x') == 2\\n"], ("f",), 5)
    [(1, 'x')]
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator


def literal_calls(test_sources: list[str], functions: tuple[str, ...], limit: int) -> list[tuple]:
    """Argument tuples of calls to ``functions`` in the tests whose arguments are all
    literals, first seen first, at most ``limit``."""
    seen: list[tuple] = []
    for node in source_nodes(test_sources):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in functions and not node.keywords):
            continue
        try:
            args = tuple(ast.literal_eval(arg) for arg in node.args)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if args and args not in seen:
            seen.append(args)
    return seen[:limit]


def source_nodes(sources: Iterable[str]) -> Iterator[ast.AST]:
    """Every node of every source that parses, in order (one that does not is skipped)."""
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        yield from ast.walk(tree)
