"""Asserts written as a script: at the top level of the test writer's output or in its
``if __name__ == "__main__":`` block, which small models often write instead of test
functions.

Every statement that holds an assert becomes a test of its own. It takes along the earlier
statements it depends on (``cache = LRU(2)``, ``cache.put(1, 1)``, found by the names they
share), with the asserts among those kept as plain expressions: their calls still run, but
only the test's own assert can fail it. A ``try`` that would swallow a failed assert
(``except AssertionError: print("failed")``) is unwrapped, so the assert can fail the test.

The same dependency search supplies module-level constants and helper functions to test
functions, classes and fixtures (``support``).

Example:
    >>> import ast
    >>> script = Script("f")
    >>> pieces = [p for s in ast.parse("x = f(2)\\nassert x == 4").body
    ...           for p in script.add(s, in_main=True)]
    >>> [(p.name, [ast.unparse(s) for s in p.body]) for p in pieces]
    [('test_main_1', ['x = f(2)', 'assert x == 4'])]
"""

from __future__ import annotations

import ast
import copy

from dspy_coder.code.pieces import (
    Piece,
    call_name,
    defined_names,
    label_of,
    loaded_names,
    mentioned_names,
)

_SWALLOWERS = {"AssertionError", "Exception", "BaseException"}
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def is_main_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":``"""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    sides = [node.test.left, *node.test.comparators]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    texts = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and texts == ["__main__"]


def _own_nodes(node: ast.AST) -> list[ast.AST]:
    """``node`` and what it contains, not descending into functions, classes or lambdas."""
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(c for c in ast.iter_child_nodes(current) if not isinstance(c, _SCOPES))
    return found


def has_assert(node: ast.stmt) -> bool:
    return any(isinstance(n, ast.Assert) for n in _own_nodes(node))


def _catches_assertion(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(kind is None or call_name(kind) in _SWALLOWERS for kind in kinds)


def _expects_a_raise(body: list[ast.stmt]) -> bool:
    """``try: f(-1); assert False`` (or ``pytest.fail``): the except is the test."""
    for node in (n for s in body for n in _own_nodes(s)):
        if isinstance(node, ast.Assert) and isinstance(node.test, ast.Constant):
            if not node.test.value:
                return True
        if isinstance(node, ast.Call) and call_name(node) == "fail":
            return True
        if isinstance(node, ast.Raise) and node.exc is not None:
            if call_name(node.exc) == "AssertionError":
                return True
    return False


class _Unswallow(ast.NodeTransformer):
    def visit_Try(self, node: ast.Try) -> ast.AST | list[ast.stmt]:
        self.generic_visit(node)
        if (
            any(has_assert(s) for s in node.body)
            and any(_catches_assertion(h) for h in node.handlers)
            and not _expects_a_raise(node.body)
        ):
            return [*node.body, *node.finalbody]
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        return node  # a nested function is its own business

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]
    visit_ClassDef = visit_FunctionDef  # type: ignore[assignment]


def unswallow(statements: list[ast.stmt]) -> list[ast.stmt]:
    """``statements`` without the ``try`` blocks that would hide a failed assert."""
    module = _Unswallow().visit(ast.Module(body=copy.deepcopy(statements), type_ignores=[]))
    return ast.fix_missing_locations(module).body


class _AssertsAsExpressions(ast.NodeTransformer):
    def visit_Assert(self, node: ast.Assert) -> ast.Expr:
        return ast.copy_location(ast.Expr(value=node.test), node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        return node

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]
    visit_ClassDef = visit_FunctionDef  # type: ignore[assignment]


def _depends(
    needed: set[str], earlier: list[ast.stmt], related: set[str]
) -> list[ast.stmt]:
    """The statements of ``earlier`` that touch a name in ``needed`` (found backwards,
    following the ``related`` names they touch in turn), in their order."""
    needed = set(needed) & related
    chosen = []
    for node in reversed(earlier):
        touched = mentioned_names(node) | defined_names(node)
        if touched & needed:
            chosen.append(node)
            needed |= touched & related
    return chosen[::-1]


class Script:
    """The script statements seen so far; ``add`` returns the tests a new one makes."""

    def __init__(self, entry_point: str | None) -> None:
        self.entry_point = entry_point
        self.earlier: list[ast.stmt] = []
        self.main_tests = 0

    def add(self, node: ast.stmt, in_main: bool) -> list[Piece]:
        pieces = []
        for current in unswallow([node]):
            if has_assert(current):
                pieces.append(self._piece(current, in_main))
                current = _AssertsAsExpressions().visit(copy.deepcopy(current))
            self.earlier.append(ast.fix_missing_locations(current))
        return pieces

    def _piece(self, node: ast.stmt, in_main: bool) -> Piece:
        related = set().union(*(defined_names(s) for s in self.earlier)) - {self.entry_point}
        setup = _depends(mentioned_names(node), self.earlier, related)
        name = None
        if in_main:
            self.main_tests += 1
            name = f"test_main_{self.main_tests}"
        return Piece(label=label_of(node), body=[*copy.deepcopy(setup), node], name=name)


def support(
    body: list[ast.stmt], module: list[ast.stmt], entry_point: str | None
) -> list[ast.stmt]:
    """The module-level assignments, helper functions and helper classes of ``module`` that
    ``body`` uses (directly or through each other), never a definition of the code under
    test."""
    usable = [
        node for node in module
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.FunctionDef | ast.ClassDef)
        and entry_point not in defined_names(node)
    ]
    names = set().union(*(defined_names(n) for n in usable)) if usable else set()
    needed = set().union(*(loaded_names(n) for n in body)) if body else set()
    needed -= set().union(*(defined_names(n) for n in body)) if body else set()
    chosen: list[ast.stmt] = []
    pending = needed & names
    while pending:
        found = [n for n in usable if defined_names(n) & pending and n not in chosen]
        chosen += found
        pending = set().union(*(loaded_names(n) for n in found)) & names if found else set()
        pending -= set().union(*(defined_names(n) for n in chosen))
    return [copy.deepcopy(n) for n in usable if n in chosen]
