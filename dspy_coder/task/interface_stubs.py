"""Code reduced to its interface: signatures, docstrings, imports and constants, bodies ``...``.

A project's module is written on the modules it depends on. Shown their whole code, the 1.5B
copied it (the TOML project's toml_writer redefined the config builder's three functions in
every candidate and wrote neither of its own); shown their interface, it calls them. The code
still runs before each candidate in full; only what the model reads is reduced.

Example:
    >>> print(interface_stubs("def f(x):\\n    '''Double x.'''\\n    return 2 * x\\n"))
    def f(x):
        \"\"\"Double x.\"\"\"
        ...
"""

from __future__ import annotations

import ast


def _stub_body(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    """The function's docstring (if any), then ``...``."""
    body: list[ast.stmt] = []
    if ast.get_docstring(node) is not None:
        body.append(node.body[0])
    body.append(ast.Expr(ast.Constant(...)))
    return body


class _Stubber(ast.NodeTransformer):
    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.body = _stub_body(node)
        return node

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AsyncFunctionDef:
        node.body = _stub_body(node)
        return node


def interface_stubs(code: str) -> str:
    """``code`` with every function's (and method's) body replaced by its docstring and
    ``...``; what does not parse is returned as it is."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    return ast.unparse(ast.fix_missing_locations(_Stubber().visit(tree))) + "\n"
