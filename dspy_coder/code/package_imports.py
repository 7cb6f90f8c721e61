"""A package's own imports, dropped where its modules run as one namespace.

A project's module is written and tested with the modules it depends on run before it (as
``context_code``), and the package is tested flattened into one module: in both, ``from
package.validator import validate_email`` has no package to import from, and the name it
would bind is already defined. Dropping those imports keeps every line number.

Example:
    >>> strip_package_imports("from mail.a import f\\nimport os\\nx = f()", "mail", set())
    '\\nimport os\\nx = f()'
"""

from __future__ import annotations

import ast


def _sibling_import(node: ast.stmt, package: str, modules: set[str]) -> bool:
    """``from .x import y``, ``from package.x import y``, ``from x import y`` for a module x of
    the package, ``import package.x`` or ``import x``."""
    if isinstance(node, ast.ImportFrom):
        root = (node.module or "").split(".")[0]
        return bool(node.level) or root == package or root in modules
    if isinstance(node, ast.Import):
        return all(a.name.split(".")[0] in ({package} | modules) for a in node.names)
    return False


def strip_package_imports(code: str, package: str, modules: set[str]) -> str:
    """``code`` without its imports from the package, at the top or inside a function (a test
    reader copies a test file's imports into each test); line numbers hold: an import becomes
    blank lines, and a block left with nothing else gets one ``pass``. Unchanged when it does
    not parse."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    lines = code.splitlines()
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
                continue
            imports = [s for s in block if isinstance(s, ast.Import | ast.ImportFrom)
                       and _sibling_import(s, package, modules)]
            for statement in imports:
                for index in range(statement.lineno - 1, statement.end_lineno or statement.lineno):
                    lines[index] = ""
            if imports and len(imports) == len(block) and not isinstance(node, ast.Module):
                first = imports[0]  # keep the block it sits in a valid statement
                lines[first.lineno - 1] = " " * first.col_offset + "pass"
    return "\n".join(lines) + ("\n" if code.endswith("\n") else "")


def strip_context_imports(code: str, names: list[str]) -> str:
    """``code`` without its imports of the modules ``names`` (a task's ``context_imports``: a
    project's package and its modules, whose code runs before the answer) and its relative
    imports; unchanged when ``names`` is empty."""
    return strip_package_imports(code, names[0], set(names[1:])) if names else code
