"""When two candidates are the same program: equal code once comments, docstrings and layout
are set aside.

A small model asked to repair its code often returns it unchanged, and a sample at
temperature 1.0 often repeats the greedy draft. Running such a repeat again teaches nothing:
its outcome is known.

Example:
    >>> a = "def f(x):\\n    '''Double.'''\\n    return x * 2  # twice\\n"
    >>> program_identity(a) == program_identity("def f(x):\\n    return x*2\\n")
    True
"""

from __future__ import annotations

import ast

from dspy_coder.code.pieces import is_docstring

_DEFINITIONS = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _drop_docstring(node: ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                    ) -> None:
    if node.body and is_docstring(node.body[0]):
        node.body = node.body[1:] or [ast.Pass()]


def program_identity(code: str) -> str:
    """A canonical text of ``code``: equal for programs that differ only in comments,
    docstrings and layout. Code that does not parse is compared by its words."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return " ".join(code.split())
    for node in ast.walk(tree):
        if isinstance(node, _DEFINITIONS):
            _drop_docstring(node)
    return ast.unparse(tree)
