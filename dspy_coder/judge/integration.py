"""Run a project's modules together against its integration tests, and say which module a
failure is on.

The sandbox runs one module of code, so the package is flattened: its modules in build order,
one after another, each without the imports of its siblings (every name is then already in
the namespace, as a module's ``context_code`` was while it was written). Tests drop their
imports from the package the same way. A failing test is blamed on the module its traceback
ends in (``solution.py, line N`` falls in that module's lines), else on the module owning the
function whose result was wrong (``f(1) returned 2``), else on every module whose names the
test uses.

Example:
    >>> flat = flatten("mail", [("a", "def f():\\n    return 1\\n"),
    ...                         ("b", "from mail.a import f\\n\\ndef g():\\n    return f()\\n")])
    >>> [(span.module, span.first, span.last) for span in flat.spans]
    [('a', 1, 2), ('b', 5, 8)]
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from dspy_coder.code.package_imports import strip_package_imports
from dspy_coder.types import TestCase, TestOutcome

__all__ = ["Flattened", "Span", "blame", "flatten", "strip_package_imports"]

_SOLUTION_LINE = re.compile(r"solution\.py, line (\d+)")
_RETURNED = re.compile(r"^\s*([A-Za-z_]\w*)\(.*\) returned ", re.MULTILINE)


@dataclass(frozen=True)
class Span:
    """Where one module's code sits in the flattened source (1-based, inclusive)."""

    module: str
    first: int
    last: int


@dataclass(frozen=True)
class Flattened:
    source: str
    spans: tuple[Span, ...]


def flatten(package: str, modules: list[tuple[str, str]]) -> Flattened:
    """The package's ``(name, code)`` modules, in build order, as one source."""
    names = {name for name, _ in modules}
    parts, spans, line = [], [], 1
    for name, code in modules:
        body = strip_package_imports(code, package, names).rstrip("\n")
        count = body.count("\n") + 1
        spans.append(Span(name, line, line + count - 1))
        parts.append(body)
        line += count + 2  # two blank lines between modules
    return Flattened("\n\n\n".join(parts) + "\n", tuple(spans))


def _owner_of_line(flat: Flattened, number: int) -> str | None:
    return next((s.module for s in flat.spans if s.first <= number <= s.last), None)


def blame(outcome: TestOutcome, test: TestCase, flat: Flattened,
          owners: dict[str, str]) -> list[str]:
    """The module(s) a failed integration test points at (see the module docstring);
    ``owners`` maps each public name to its module."""
    lines = [int(n) for n in _SOLUTION_LINE.findall(outcome.message)]
    if lines:
        owner = _owner_of_line(flat, lines[-1])
        if owner:
            return [owner]
    returned = [owners[name] for name in _RETURNED.findall(outcome.message) if name in owners]
    if returned:
        return [returned[-1]]  # the outermost call: the value the test compared
    try:
        used = {n.id for n in ast.walk(ast.parse(test.code)) if isinstance(n, ast.Name)}
    except SyntaxError:
        used = set()
    return sorted({owners[name] for name in used if name in owners})
