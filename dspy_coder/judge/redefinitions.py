"""A module's copies of what its dependencies define, removed.

A module is written with its dependencies' code shown before it, and a small model often copies
those functions into its answer (the 1.5B's CLI redefined the validator's ``validate_email``
and the normaliser's ``normalise_email``). In the package the copies would shadow the real
ones: the flattened integration run would test the copies, and the CLI would not use the
validator it was built on. So the copies go and the module imports the originals.

Example:
    >>> code = "def helper():\\n    return 1\\n\\n@cache\\ndef own():\\n    return helper()\\n"
    >>> stripped, removed = without_definitions(code, {"helper"})
    >>> removed, stripped.split()
    (['helper'], ['@cache', 'def', 'own():', 'return', 'helper()'])
"""

from __future__ import annotations

import ast


def without_definitions(code: str, names: set[str]) -> tuple[str, list[str]]:
    """``code`` without its top-level functions and classes called one of ``names`` (their
    lines left blank), and the names removed; unchanged when it does not parse."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code, []
    lines, removed = code.splitlines(), []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) \
                and node.name in names:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            for index in range(first - 1, node.end_lineno or node.lineno):
                lines[index] = ""
            removed.append(node.name)
    if not removed:
        return code, []
    return "\n".join(lines) + ("\n" if code.endswith("\n") else ""), removed


def _top_level_definitions(code: str, private_too: bool = False) -> dict[str, str]:
    """Public name (and private, with ``private_too``) -> AST dump of each top-level function
    and class ``code`` defines."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {}
    return {node.name: ast.dump(node) for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and (private_too or not node.name.startswith("_"))}


def defined_at_top(code: str) -> list[str]:
    """Every function and class ``code`` defines at its top, private ones too: what an answer
    that only copies ``code`` would define."""
    return list(_top_level_definitions(code, private_too=True))


def defined_publicly(code: str) -> list[str]:
    """The public functions and classes ``code`` defines at its top, in order: what a module
    offers the modules written on it, whether its interface declared them or not."""
    return list(_top_level_definitions(code))


def exact_copies(code: str, dependency_code: str) -> set[str]:
    """The public functions and classes ``code`` defines exactly as ``dependency_code`` does
    (the 1.5B's ``cache.invalidate`` repeated the store's undeclared ``Cache`` class word for
    word); a copy it changed is its own and is not listed."""
    theirs = _top_level_definitions(dependency_code)
    return {name for name, dump in _top_level_definitions(code).items()
            if theirs.get(name) == dump}
