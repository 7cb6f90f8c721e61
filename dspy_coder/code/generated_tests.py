"""Parse the TestGenerator's output into individual ``TestCase`` records.

Each ``def test_*`` function becomes one test; each row of a ``@pytest.mark.parametrize``
table and each bare top-level assert becomes a test of its own, so that a single wrong
expectation cannot hide the others.

Example:
    >>> [t.name for t in parse_generated_tests("assert f(1) == 2\\nassert f(2) == 3", "f")]
    ['test_generated_1', 'test_generated_2']
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from dspy_coder.code.extraction import extract_code
from dspy_coder.code.parametrize import expand_parametrized
from dspy_coder.types import TestCase


def _references(node: ast.AST, name: str | None) -> bool:
    if name is None:
        return True
    return any(isinstance(sub, ast.Name) and sub.id == name for sub in ast.walk(node))


def _test_nodes(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.Assert]:
    """Top-level test functions (a parametrized one expanded into one per row) and asserts."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            yield from expand_parametrized(node)
        elif isinstance(node, ast.Assert):
            yield node


def parse_generated_tests(raw: str, entry_point: str | None, limit: int = 12) -> list[TestCase]:
    """Valid test functions from ``raw``; unparsable or irrelevant pieces are dropped."""
    source = extract_code(raw or "")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        # keep the parsable prefix: small models often trail off mid-line
        lines = source.splitlines()
        tree = None
        for end in range(len(lines) - 1, 0, -1):
            try:
                tree = ast.parse("\n".join(lines[:end]))
                break
            except SyntaxError:
                continue
        if tree is None:
            return []
    preamble = [
        ast.unparse(node)
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        and not any(alias.name in {"pytest", "unittest"} for alias in node.names)
        and not (isinstance(node, ast.ImportFrom) and node.module in {"solution", "main"})
    ]
    header = "\n".join(preamble)
    tests: list[TestCase] = []
    for node in _test_nodes(tree):
        if not _references(node, entry_point):
            continue  # a test must call the function
        name = f"test_generated_{len(tests) + 1}"
        if isinstance(node, ast.FunctionDef):
            if node.args.args:
                continue  # fixtures are not supported
            node.decorator_list = []
            node.name = name
            body = ast.unparse(node)
        else:
            body = f"def {name}():\n    {ast.unparse(node)}"
        if header:
            body = body.replace(
                "():\n", f"():\n    {header.replace(chr(10), chr(10) + '    ')}\n", 1
            )
        tests.append(TestCase(name=name, code=body, source="generated", vetted=False))
        if len(tests) >= limit:
            break
    return tests


def parse_make_input(raw: str) -> str | None:
    """Source defining ``make_input(n)``, or None when the output has no usable definition."""
    source = extract_code(raw or "")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    keep = [
        node
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef)
    ]
    if not any(isinstance(n, ast.FunctionDef) and n.name == "make_input" for n in keep):
        return None
    return "\n\n".join(ast.unparse(node) for node in keep)
