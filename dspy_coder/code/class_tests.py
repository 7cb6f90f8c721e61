"""Test classes in generated tests: ``unittest.TestCase`` subclasses and pytest-style
``Test*`` classes, one argument-free test per ``test_*`` method.

Each test holds the class (its set-up, helpers and fixtures, and that one test method) and
runs it as its framework would: a ``unittest`` test through ``TestCase.debug()`` (set-up,
test, tear-down; a failure propagates with its message) between ``setUpClass`` and
``tearDownClass``; a pytest-style test on a fresh instance between ``setup_class`` /
``setup_method`` and their tear-downs, with its fixtures supplied (``fixtures``) and a
parametrized method expanded per row. A ``self.assertEqual(a, b)`` (and the other simple
checks) is written as ``assert a == b``, which is what it checks: the sandbox can then show
the values in a failure, and vetting can compare it with the docstring's examples.

Example:
    >>> import ast
    >>> source = "class TestAdd(unittest.TestCase):\\n    def test_one(self):\\n"
    >>> source += "        self.assertEqual(add(1, 1), 2)\\n"
    >>> [piece] = class_pieces(ast.parse(source).body[0], {})
    >>> piece.name
    'test_TestAdd_test_one'
    >>> print(ast.unparse(piece.body[0].body[0]))
    def test_one(self):
        assert add(1, 1) == 2
"""

from __future__ import annotations

import ast
import copy

from dspy_coder.code.fixtures import (
    Fixture,
    collect_fixtures,
    definitions,
    is_fixture,
    resolve,
    set_up,
)
from dspy_coder.code.parametrize import expand_parametrized, is_parametrized
from dspy_coder.code.pieces import (
    Piece,
    call_name,
    dropped,
    not_run_reason,
    statement,
)

COMPARISONS: dict[str, type[ast.cmpop]] = {
    "assertEqual": ast.Eq, "assertEquals": ast.Eq, "assertNotEqual": ast.NotEq,
    "assertNotEquals": ast.NotEq, "assertIs": ast.Is, "assertIsNot": ast.IsNot,
    "assertIn": ast.In, "assertNotIn": ast.NotIn, "assertGreater": ast.Gt,
    "assertGreaterEqual": ast.GtE, "assertLess": ast.Lt, "assertLessEqual": ast.LtE,
}
UNARY = {"assertTrue", "assert_", "assertFalse", "assertIsNone", "assertIsNotNone",
         "assertIsInstance", "assertNotIsInstance"}


def is_unittest_class(node: ast.stmt) -> bool:
    return isinstance(node, ast.ClassDef) and any(
        (call_name(base) or "").endswith("TestCase") for base in node.bases
    )


def _tests_of(node: ast.ClassDef) -> list[ast.FunctionDef]:
    return [m for m in node.body if isinstance(m, ast.FunctionDef) and m.name.startswith("test")]


def is_pytest_class(node: ast.stmt) -> bool:
    """A ``Test*`` class without a base (pytest collects those) that has test methods."""
    return (
        isinstance(node, ast.ClassDef)
        and node.name.startswith("Test")
        and all(call_name(base) == "object" for base in node.bases)
        and bool(_tests_of(node))
    )


class _PlainAsserts(ast.NodeTransformer):
    """``self.assertEqual(a, b[, msg])`` -> ``assert a == b[, msg]`` and the like."""

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        self.generic_visit(node)
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.stmt:
        call = node.value
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == "self"
            and not any(isinstance(a, ast.Starred) for a in call.args)
        ):
            return node
        method = call.func.attr
        width = 2 if method in COMPARISONS or "Instance" in method else 1
        if method not in COMPARISONS and method not in UNARY:
            return node
        keywords = {k.arg: k.value for k in call.keywords}
        if set(keywords) - {"msg"} or not width <= len(call.args) <= width + 1:
            return node
        args = call.args[:width]
        message = call.args[width] if len(call.args) > width else keywords.get("msg")
        test = _check(method, args)
        return ast.copy_location(ast.Assert(test=test, msg=message), node)


def _check(method: str, args: list[ast.expr]) -> ast.expr:
    if method in COMPARISONS:
        return ast.Compare(left=args[0], ops=[COMPARISONS[method]()], comparators=[args[1]])
    if method in ("assertTrue", "assert_"):
        return args[0]
    if method == "assertFalse":
        return ast.UnaryOp(op=ast.Not(), operand=args[0])
    if method in ("assertIsNone", "assertIsNotNone"):
        op = ast.Is() if method == "assertIsNone" else ast.IsNot()
        return ast.Compare(left=args[0], ops=[op], comparators=[ast.Constant(None)])
    check = ast.Call(func=ast.Name("isinstance", ast.Load()), args=args, keywords=[])
    return check if method == "assertIsInstance" else ast.UnaryOp(op=ast.Not(), operand=check)


def plain_asserts(node: ast.FunctionDef) -> ast.FunctionDef:
    """A copy of the method with its simple ``self.assert*`` calls written as ``assert``."""
    return ast.fix_missing_locations(_PlainAsserts().visit(copy.deepcopy(node)))


def _defines(node: ast.ClassDef, name: str) -> bool:
    return any(isinstance(m, ast.FunctionDef) and m.name == name for m in node.body)


def _with_only(node: ast.ClassDef, members: list[ast.stmt], test: ast.FunctionDef) -> ast.ClassDef:
    """A copy of the class holding ``members`` and the one ``test``, with no decorators
    (shallow: the pieces share the members' nodes, which nothing changes)."""
    cls = copy.copy(node)
    cls.decorator_list = []
    cls.body = [*members, test]
    return cls


def _guarded(body: list[ast.stmt], teardown: list[ast.stmt]) -> list[ast.stmt]:
    if not teardown:
        return body
    return [ast.Try(body=body, handlers=[], orelse=[], finalbody=teardown)]


def class_pieces(node: ast.ClassDef, module_fixtures: dict[str, Fixture]) -> list[Piece]:
    """One piece per test method of a unittest or pytest-style class."""
    if is_unittest_class(node):
        return _unittest_pieces(node)
    return _pytest_pieces(node, module_fixtures)


def _unittest_pieces(node: ast.ClassDef) -> list[Piece]:
    members = [
        plain_asserts(m) if isinstance(m, ast.FunctionDef) else m
        for m in node.body
        if m not in _tests_of(node)
    ]
    skipped = not_run_reason(node)
    pieces = []
    for method in _tests_of(node):
        label = f"{node.name}.{method.name}"
        reason = skipped or not_run_reason(method)
        if reason:
            pieces.append(dropped(label, reason))
            continue
        if len(method.args.args) > 1:
            pieces.append(dropped(label, "a unittest test method that takes arguments"))
            continue
        run = [statement(f"{node.name}({method.name!r}).debug()")]
        if _defines(node, "setUpClass"):
            run = [statement(f"{node.name}.setUpClass()"), *_guarded(
                run, [statement(f"{node.name}.tearDownClass()")] if _defines(
                    node, "tearDownClass") else [])]
        elif _defines(node, "tearDownClass"):
            run = _guarded(run, [statement(f"{node.name}.tearDownClass()")])
        cls = _with_only(node, members, plain_asserts(method))
        pieces.append(Piece(label=label, body=[cls, *run], name=f"test_{node.name}_{method.name}"))
    return pieces


def _pytest_pieces(node: ast.ClassDef, module_fixtures: dict[str, Fixture]) -> list[Piece]:
    class_fixtures = collect_fixtures(node.body, method=True)
    unmarked = {f.node.name: f.node for f in class_fixtures.values()}
    members = [
        unmarked[m.name] if is_fixture(m) else m  # type: ignore[attr-defined]
        for m in node.body
        if m not in _tests_of(node)
    ]
    skipped = not_run_reason(node)
    pieces = []
    for method in _tests_of(node):
        cases = expand_parametrized(method, keep=frozenset(a.arg for a in method.args.args))
        for row, case in enumerate(cases, start=1):
            suffix = f"_{row}" if len(cases) > 1 else ""
            label = f"{node.name}.{method.name}" + (f"[{row}]" if suffix else "")
            reason = skipped or not_run_reason(case)
            if not reason and is_parametrized(case):
                reason = "its @pytest.mark.parametrize table could not be expanded"
            if not reason and not case.args.args:
                reason = "a test method without `self`"
            requested = [a.arg for a in case.args.args[1:]]
            order, problem = resolve(requested, [class_fixtures, module_fixtures])
            if reason or problem:
                pieces.append(dropped(label, reason or problem))
                continue
            case.decorator_list = []
            pieces.append(Piece(
                label=label,
                body=[*definitions(order), _with_only(node, members, case),
                      *_run_method(node, case, order)],
                name=f"test_{node.name}_{method.name}{suffix}",
            ))
    return pieces


def _xunit(node: ast.ClassDef, names: tuple[str, ...], target: str, method: str) -> list[ast.stmt]:
    """The call of the first xunit-style hook of ``names`` the class defines, if any."""
    for name in names:
        hook = next((m for m in node.body
                     if isinstance(m, ast.FunctionDef) and m.name == name), None)
        if hook is None:
            continue
        takes_method = len(hook.args.args) > 1 and target == "instance"
        return [statement(f"{target}.{name}({f'{target}.{method}' if takes_method else ''})")]
    return []


def _run_method(node: ast.ClassDef, case: ast.FunctionDef, order: list[Fixture]) -> list[ast.stmt]:
    """Instance, class and method set-up, the fixtures, the call, and the tear-downs."""
    arguments = ", ".join(f"{a.arg}={a.arg}_value" for a in case.args.args[1:])
    call = [statement(f"instance.{case.name}({arguments})")]
    body = set_up(order, call)
    body = [*_xunit(node, ("setup_method", "setup"), "instance", case.name), *_guarded(
        body, _xunit(node, ("teardown_method", "teardown"), "instance", case.name))]
    body = [*_xunit(node, ("setup_class",), node.name, case.name), *_guarded(
        body, _xunit(node, ("teardown_class",), node.name, case.name))]
    return [statement(f"instance = {node.name}()"), *body]
