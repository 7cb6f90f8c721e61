"""Turn test source into a run plan: which tests exist, with asserts rewritten to explain failures.

Two test styles are supported:

- pytest style: top-level ``def test_*()`` functions; each is one test.
- HumanEval style: ``def check(candidate)`` used with an ``entry_point``. Each top-level
  statement of the ``check`` body that contains an ``assert`` becomes its own test: it is run
  inside a try/except injected into the body, so one failing assert does not hide the others.
  Statements without asserts run as written (an exception there ends ``check``).

Every ``assert`` is rewritten so that the values of its calls and compared operands are
recorded as they are evaluated (once, in the original order, keeping short-circuiting), so a
failure can say ``candidate([1, 2]) returned 3``.

Example:
    >>> plan = build_plan("def f(x):\\n    return x\\n", "def test_f():\\n    assert f(1) == 2\\n")
    >>> plan.kind, plan.test_names
    ('pytest', ['test_f'])
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from types import CodeType

CODE_FILE = "solution.py"
TESTS_FILE = "tests.py"
REC = "__dc_rec__"        # __dc_rec__(assert_id, slot, value) -> value; a dunder, so an
                          # assert in a class body is not name-mangled to _Class__dc_rec
BEGIN = "__dc_begin"      # __dc_begin(step) before a check step
END = "__dc_end"          # __dc_end(step, exc_or_None) after it
REFS = "__dc_refs"        # (begin, end) handed to the check factory
FACTORY = "__dc_make_check"
MAX_SOURCE = 160


@dataclass
class AssertInfo:
    """Source of one assert and of the sub-expressions whose values get recorded."""

    source: str
    lineno: int
    end_lineno: int
    slots: list[tuple[str, bool]] = field(default_factory=list)  # (source, is_call)


@dataclass
class RunPlan:
    """Everything the child needs to run code and tests; built before forking."""

    kind: str  # "none" | "pytest" | "check"
    code_src: str
    tests_src: str = ""
    code_obj: CodeType | None = None
    tests_obj: CodeType | None = None
    test_names: list[str] = field(default_factory=list)
    asserts: list[AssertInfo] = field(default_factory=list)
    entry_point: str | None = None
    error: str = ""  # a syntax error in code or tests: nothing runs


def register_source(filename: str, source: str) -> None:
    """Make ``source`` the text tracebacks show for ``filename`` (it exists on no disk)."""
    import linecache

    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def _short(text: str, limit: int = MAX_SOURCE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


class _AssertRewriter(ast.NodeTransformer):
    """Wrap interesting sub-expressions of every assert test in ``__dc_rec__(aid, slot, expr)``."""

    def __init__(self, source: str, asserts: list[AssertInfo]) -> None:
        self.source = source
        self.asserts = asserts
        self._current: AssertInfo | None = None
        self._aid = -1

    def visit_Assert(self, node: ast.Assert) -> ast.AST:
        info = AssertInfo(
            source=_short(ast.get_source_segment(self.source, node) or "assert ..."),
            lineno=node.lineno,
            end_lineno=node.end_lineno or node.lineno,
        )
        self.asserts.append(info)
        outer, outer_aid = self._current, self._aid
        self._current, self._aid = info, len(self.asserts) - 1
        node.test = self._wrap_operands(node.test)
        self._current, self._aid = outer, outer_aid
        return node

    def _record(self, node: ast.expr) -> ast.expr:
        assert self._current is not None
        text = _short(ast.get_source_segment(self.source, node) or "?", 80)
        slot = len(self._current.slots)
        self._current.slots.append((text, isinstance(node, ast.Call)))
        call = ast.Call(
            func=ast.Name(id=REC, ctx=ast.Load()),
            args=[ast.Constant(self._aid), ast.Constant(slot), node],
            keywords=[],
        )
        return ast.copy_location(call, node)

    def _wrap_calls(self, node: ast.expr) -> ast.expr:
        """Record every call inside ``node`` (innermost first) and return the new node."""
        if isinstance(node, (ast.Lambda,)):
            return node
        for name, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                setattr(node, name, self._wrap_calls(value))
            elif isinstance(value, list):
                setattr(
                    node,
                    name,
                    [self._wrap_calls(v) if isinstance(v, ast.expr) else v for v in value],
                )
        if isinstance(node, ast.Call) and not _is_literal(node):
            return self._record(node)
        return node

    def _wrap_operands(self, test: ast.expr) -> ast.expr:
        if isinstance(test, ast.Compare):
            test.left = self._operand(test.left)
            test.comparators = [self._operand(c) for c in test.comparators]
            return test
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            test.operand = self._wrap_operands(test.operand)
            return test
        if isinstance(test, ast.BoolOp):
            test.values = [self._wrap_operands(v) for v in test.values]
            return test
        return self._operand(test)

    def _operand(self, node: ast.expr) -> ast.expr:
        if _is_literal(node):
            return node
        wrapped = self._wrap_calls(node)
        if wrapped is node and not isinstance(node, ast.Call):
            return self._record(node)  # a name, subscript, arithmetic...: show its value
        if isinstance(node, ast.Call):
            return wrapped
        return self._record(wrapped)


def _step_wrapper(step: int, stmt: ast.stmt) -> ast.Try:
    """``try: begin(step); <stmt> except BaseException as e: end(step, e) else: end(step)``."""
    begin = ast.Expr(ast.Call(ast.Name(BEGIN, ast.Load()), [ast.Constant(step)], []))
    exc_name = "__dc_exc"
    end_fail = ast.Expr(
        ast.Call(
            ast.Name(END, ast.Load()),
            [ast.Constant(step), ast.Name(exc_name, ast.Load())],
            [],
        )
    )
    end_ok = ast.Expr(
        ast.Call(ast.Name(END, ast.Load()), [ast.Constant(step), ast.Constant(None)], [])
    )
    handler = ast.ExceptHandler(
        type=ast.Name("BaseException", ast.Load()), name=exc_name, body=[end_fail]
    )
    node = ast.Try(body=[begin, stmt], handlers=[handler], orelse=[end_ok], finalbody=[])
    return ast.fix_missing_locations(ast.copy_location(node, stmt))


def _has_assert(stmt: ast.stmt) -> bool:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return False
    return any(isinstance(n, ast.Assert) for n in ast.walk(stmt))


def _split_check(tree: ast.Module, source: str, check: ast.FunctionDef) -> list[str]:
    """Wrap each assert-bearing statement of ``check`` and build it through a factory whose
    closure holds the harness callbacks (so code patching globals cannot fake outcomes)."""
    names: list[str] = []
    body: list[ast.stmt] = []
    for stmt in check.body:
        if _has_assert(stmt):
            text = _short(ast.get_source_segment(source, stmt) or "statement")
            names.append(f"line {stmt.lineno}: {text}")
            body.append(_step_wrapper(len(names) - 1, stmt))
        else:
            body.append(stmt)
    check.body = body
    factory = ast.FunctionDef(
        name=FACTORY,
        args=ast.arguments(
            posonlyargs=[], args=[ast.arg(BEGIN), ast.arg(END)], kwonlyargs=[],
            kw_defaults=[], defaults=[],
        ),
        body=[check, ast.Return(ast.Name(check.name, ast.Load()))],
        decorator_list=[],
    )
    assign = ast.Assign(
        targets=[ast.Name(check.name, ast.Store())],
        value=ast.Call(ast.Name(FACTORY, ast.Load()), [ast.Starred(ast.Name(REFS, ast.Load()),
                                                                   ast.Load())], []),
    )
    index = tree.body.index(check)
    tree.body[index : index + 1] = [
        ast.copy_location(factory, check),
        ast.copy_location(assign, check),
    ]
    ast.fix_missing_locations(tree)
    return names


def _syntax_message(exc: SyntaxError, filename: str) -> str:
    where = f"{filename}, line {exc.lineno}" if exc.lineno else filename
    text = f"\n    {exc.text.rstrip()}" if exc.text else ""
    return f"SyntaxError in {where}: {exc.msg}{text}"


def compile_code(code: str, entry_point: str | None = None) -> RunPlan:
    """A plan with the compiled ``code`` and no tests yet; problems end up in ``RunPlan.error``."""
    plan = RunPlan(kind="none", code_src=code, entry_point=entry_point)
    try:
        plan.code_obj = compile(code, CODE_FILE, "exec", dont_inherit=True)
    except SyntaxError as exc:
        plan.error = _syntax_message(exc, CODE_FILE)
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        plan.error = _too_complex(exc, CODE_FILE)
    return plan


def add_tests(plan: RunPlan, tests: str | None) -> RunPlan:
    """Parse ``tests``, rewrite their asserts and compile them into ``plan`` (in place);
    problems end up in ``RunPlan.error``. Any input gives a plan, never an exception."""
    plan.tests_src = tests or ""
    if plan.error or not tests or not tests.strip():
        return plan
    try:
        tree = ast.parse(tests, TESTS_FILE)
    except SyntaxError as exc:
        plan.error = _syntax_message(exc, TESTS_FILE)
        return plan
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        plan.error = _too_complex(exc, TESTS_FILE)
        return plan
    try:
        return _plan_tests(plan, tests, tree, rewrite_asserts=True)
    except (RecursionError, MemoryError, OverflowError, ValueError):
        pass  # too deep to rewrite: run the asserts as written (failures show less detail)
    plan.asserts, plan.test_names, plan.error, plan.kind = [], [], "", "none"
    try:
        return _plan_tests(plan, tests, ast.parse(tests, TESTS_FILE), rewrite_asserts=False)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as exc:
        plan.error = _too_complex(exc, TESTS_FILE)
        return plan


def build_plan(code: str, tests: str | None = None, entry_point: str | None = None) -> RunPlan:
    """Parse and compile ``code`` and ``tests``; problems end up in ``RunPlan.error``."""
    return add_tests(compile_code(code, entry_point), tests)


def _too_complex(exc: BaseException, filename: str) -> str:
    return (f"{filename} could not be compiled ({type(exc).__name__}: {exc}); it is too "
            "deeply nested or too large for the Python compiler. Simplify it.")


def _plan_tests(plan: RunPlan, tests: str, tree: ast.Module, rewrite_asserts: bool) -> RunPlan:
    if rewrite_asserts:
        tree = _AssertRewriter(tests, plan.asserts).visit(tree)
    check = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check"), None
    )
    test_funcs = [
        n.name
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")
    ]
    if check is not None and plan.entry_point:
        plan.kind = "check"
        plan.test_names = _split_check(tree, tests, check)
        if not plan.test_names:
            plan.test_names = ["check"]  # no asserts at top level: check() as one test
    elif test_funcs:
        plan.kind = "pytest"
        plan.test_names = list(dict.fromkeys(test_funcs))
    elif check is not None:
        plan.error = "The tests define check(candidate) but no entry_point was given."
        return plan
    else:
        plan.error = (
            "No tests found: define pytest-style `def test_*():` functions, or "
            "`def check(candidate):` together with an entry_point."
        )
        return plan
    ast.fix_missing_locations(tree)
    plan.tests_obj = compile(tree, TESTS_FILE, "exec", dont_inherit=True)
    return plan
