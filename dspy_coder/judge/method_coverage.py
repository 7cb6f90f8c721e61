"""Which methods of a class task, or functions a free-text task names, no counted test calls.

A class skeleton's docstring examples often cover only some of its methods (ClassEval_0: two
of four; one example is malformed and one shows no result). Passing every counted test then
says nothing about the others: the 1.5B's ``get_jwt_user`` called an undefined ``jwt`` and the
run still ended "success, score 1.00". A class run is a success only when every method the
skeleton declares is called by a test that counted. The same holds for the functions a
free-text task names: the TOML project's config_builder ended "success" on tests calling only
build_config, while its read_config called a ``tomli_w.load`` that does not exist.

Example:
    >>> skeleton = ("class C:\\n    def __init__(self):\\n        pass\\n"
    ...             "    def f(self):\\n        ...\\n    def g(self):\\n        ...\\n")
    >>> test = TestCase(name="t", code="def t():\\n    assert C().f() == 1\\n", vetted=True)
    >>> unchecked_methods(skeleton, "C", [test])
    ['g']
"""

from __future__ import annotations

import ast

from dspy_coder.task.requirements import stated_requirements
from dspy_coder.types import TestCase


def declared_methods(prompt: str, class_name: str | None) -> list[str]:
    """The methods the class ``class_name`` in ``prompt`` declares, special methods left out
    (a test exercises ``__init__`` by making an instance); empty when it is no class."""
    try:
        tree = ast.parse(prompt)
    except SyntaxError:
        return []
    node = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name),
                None)
    if node is None:
        return []
    return [m.name for m in node.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)
            and not (m.name.startswith("__") and m.name.endswith("__"))]


def called_attributes(code: str) -> set[str]:
    """Every ``x.name(...)`` call's ``name`` in ``code``, and ``name(...)`` for a bare call
    (a test may unpack a bound method first); empty when it does not parse."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    called: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                called.add(node.func.attr)
            elif isinstance(node.func, ast.Name):
                called.add(node.func.id)
    return called


def unchecked_methods(prompt: str, class_name: str | None, tests: list[TestCase]) -> list[str]:
    """The declared methods of the class task that no vetted test calls, in declaration
    order; empty for a task that is no class."""
    declared = declared_methods(prompt, class_name)
    if not declared:
        return []
    called = _called_by_vetted(tests)
    return [name for name in declared if name not in called]


def _called_by_vetted(tests: list[TestCase]) -> set[str]:
    """Every name a vetted test calls (``called_attributes``)."""
    called: set[str] = set()
    for test in tests:
        if test.vetted:
            called |= called_attributes(test.code)
    return called


def unchecked_names(prompt: str, entry_point: str | None, tests: list[TestCase]) -> list[str]:
    """What the task asks for that no vetted test calls: a class task's declared methods, or
    else the names a free-text task's prose calls for (none for a code prompt, whose one
    function every test calls)."""
    asked = (declared_methods(prompt, entry_point)
             or stated_requirements(prompt, entry_point).names)
    called = _called_by_vetted(tests)
    return [name for name in asked if name not in called]
