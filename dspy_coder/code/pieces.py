"""What every reader of generated tests shares: a ``Piece`` (one test found in the test
writer's output, as the statements of an argument-free function, or the reason it cannot be
one) and small questions about syntax trees.

Example:
    >>> import ast
    >>> decorator_names(ast.parse("@pytest.mark.skip(reason='x')\\ndef test_a(): pass").body[0])
    ['skip']
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field

NOT_RUN_MARKS = {
    "skip": "it is marked skip",
    "skipif": "it is marked skipif: a conditional test is not run",
    "skipIf": "it is marked skipIf: a conditional test is not run",
    "skipUnless": "it is marked skipUnless: a conditional test is not run",
    "xfail": "it is marked xfail: its writer expects it to fail",
    "expectedFailure": "it is marked expectedFailure: its writer expects it to fail",
}
BUILTIN_NAMES = frozenset(dir(builtins))


@dataclass
class Piece:
    """One test from the output: ``body`` holds the statements of the argument-free test
    function; ``name`` a readable test name (None: numbered ``test_generated_N``);
    ``dropped`` why it cannot be run, when it cannot."""

    label: str
    body: list[ast.stmt] = field(default_factory=list)
    name: str | None = None
    dropped: str = ""


def dropped(label: str, reason: str) -> Piece:
    return Piece(label=label, dropped=reason)


def call_name(node: ast.expr) -> str | None:
    """``f`` for ``f``, ``a.b.f`` and ``f(...)``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def decorator_names(node: ast.FunctionDef | ast.ClassDef) -> list[str]:
    return [name for d in node.decorator_list if (name := call_name(d))]


def not_run_reason(node: ast.FunctionDef | ast.ClassDef) -> str:
    """Why a test marked skip or xfail is not run; empty when it has no such mark."""
    for name in decorator_names(node):
        if name in NOT_RUN_MARKS:
            return NOT_RUN_MARKS[name]
    return ""


def is_docstring(node: ast.AST | None) -> bool:
    """Whether ``node`` is a bare string statement (a docstring where it comes first)."""
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(
        node.value.value, str)


def is_stub(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``function``'s body is only its docstring, ``pass`` or ``...`` (unwritten)."""
    body = list(function.body)
    if body and is_docstring(body[0]):
        body = body[1:]
    return all(isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(
        s.value, ast.Constant) and s.value.value is Ellipsis) for s in body)


def unwritten_methods_of(node: ast.ClassDef) -> list[str]:
    """The methods of ``node`` besides ``__init__`` that are unwritten (``is_stub``; a
    skeleton's own ``__init__`` is often ``pass``)."""
    return [m.name for m in node.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)
            and m.name != "__init__" and is_stub(m)]


def unwritten_count(code: str, entry_point: str | None) -> int | None:
    """How many of the functions the task asks for ``code`` leaves unwritten (``is_stub``):
    the methods of the class ``entry_point`` (``unwritten_methods_of``), or the function
    ``entry_point`` itself (0 or 1); 0 when
    ``code`` defines no such class or function, None when it does not parse.

    ClassEval_2 (per_method): every candidate was unverified at score 0, and the first draft,
    whose ``parse_arguments`` the method writer had left a docstring, was returned over the
    samples that wrote it.

        >>> unwritten_count("class C:\\n    def f(self):\\n        'Doc.'\\n", "C")
        1
        >>> unwritten_count("def f():\\n    return 1\\n", "f"), unwritten_count("def f(:", "f")
        (0, None)
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == entry_point:
            return len(unwritten_methods_of(node))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == entry_point:
            return int(is_stub(node))
    return 0


def loaded_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def mentioned_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def defined_names(node: ast.stmt) -> set[str]:
    """Names a top-level statement binds: a def's or class's name, assignment targets."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    return {
        n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def references(nodes: list[ast.stmt], name: str | None) -> bool:
    """True when ``name`` (the code under test) appears in ``nodes``; always without a name."""
    if name is None:
        return True
    return any(name in mentioned_names(node) for node in nodes)


def uses_any(nodes: list[ast.stmt], names: set[str]) -> bool:
    """True when ``nodes`` read one of ``names`` that they do not define themselves (a test's
    own ``class Cache`` mock is not the package's ``Cache``)."""
    own = set().union(*(defined_names(node) for node in nodes)) if nodes else set()
    read = set().union(*(mentioned_names(node) for node in nodes)) if nodes else set()
    return bool((read - own) & names)


def label_of(node: ast.AST, limit: int = 80) -> str:
    """A one-line excerpt of ``node``'s source, for a drop's name."""
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def plain_function(name: str, body: list[ast.stmt]) -> ast.FunctionDef:
    """``def name(): body`` (an argument-free test function)."""
    node = statement(f"def {name}():\n    pass")
    assert isinstance(node, ast.FunctionDef)
    node.body = body or node.body
    return ast.fix_missing_locations(node)


def statement(source: str) -> ast.stmt:
    return ast.parse(source).body[0]
