"""Code reduced to its interface: signatures, docstrings, imports and constants, bodies ``...``.

A project's module is written on the modules it depends on. Shown their whole code, the 1.5B
copied it (the TOML project's toml_writer redefined the config builder's three functions in
every candidate and wrote neither of its own); shown their interface, it calls them. A
constructor keeps the attributes it sets (``self.data = {}``): they are interface too. The code
still runs before each candidate in full; only what the model reads is reduced.

Example:
    >>> print(interface_stubs("def f(x):\\n    '''Double x.'''\\n    return 2 * x\\n"))
    def f(x):
        \"\"\"Double x.\"\"\"
        ...
"""

from __future__ import annotations

import ast

SHOWN_VALUE_CHARS = 40  # a longer value an attribute is set to is shown as ``...``


def _stub_body(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    """The function's docstring (if any), then the attributes a constructor sets, or ``...``."""
    body: list[ast.stmt] = []
    if ast.get_docstring(node) is not None:
        body.append(node.body[0])
    attributes = _attributes_set(node) if node.name == "__init__" else []
    return body + (attributes or [ast.Expr(ast.Constant(...))])


def _attributes_set(init: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    """One assignment per ``self.<name>`` the constructor sets, in order, wherever it sits;
    a value longer than ``SHOWN_VALUE_CHARS`` becomes ``...``."""
    if not init.args.args:
        return []
    owner = init.args.args[0].arg
    shown: dict[str, ast.stmt] = {}
    for statement in sorted(ast.walk(init), key=lambda node: getattr(node, "lineno", 0)):
        if isinstance(statement, ast.Assign):
            targets, value, annotation = statement.targets, statement.value, None
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value, annotation = [statement.target], statement.value, statement.annotation
        else:
            continue
        for target in targets:
            if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                    and target.value.id == owner) or target.attr in shown:
                continue
            if len(ast.unparse(value)) > SHOWN_VALUE_CHARS:
                value = ast.Constant(...)
            shown[target.attr] = (
                ast.Assign(targets=[target], value=value)
                if annotation is None
                else ast.AnnAssign(target=target, annotation=annotation, value=value, simple=0)
            )
    return list(shown.values())


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
