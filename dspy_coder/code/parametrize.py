"""Expand ``@pytest.mark.parametrize`` tests into one plain test per parameter set.

Small models like to write one parametrized test with a table of cases. The sandbox runs
plain, argument-free test functions, and one wrong row must not hide the others, so each row
becomes its own test with the values written into the body. Stacked decorators give their
cartesian product, as in pytest. Arguments the table does not cover but the caller can supply
(``self``, fixtures) are named in ``keep`` and stay. A test this cannot expand (argnames or
values built at run time, a body that rebinds a parameter) is returned unchanged, its
decorators included, and dropped by the caller.

Example:
    >>> import ast
    >>> source = '''
    ... @pytest.mark.parametrize("a, b, expected", [(1, 2, 3), (2, 2, 5)])
    ... def test_add(a, b, expected):
    ...     assert add(a, b) == expected
    ... '''
    >>> [ast.unparse(t.body[0]) for t in expand_parametrized(ast.parse(source).body[0])]
    ['assert add(1, 2) == 3', 'assert add(2, 2) == 5']
"""

from __future__ import annotations

import ast
import copy
import itertools

Row = dict[str, ast.expr]


def _call_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _argnames(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        names = [name.strip() for name in node.value.split(",")]
    elif isinstance(node, ast.List | ast.Tuple) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        names = [str(e.value).strip() for e in node.elts if isinstance(e, ast.Constant)]
    else:
        return None
    names = [name for name in names if name]
    return names if names and all(name.isidentifier() for name in names) else None


def _row_values(element: ast.expr, width: int) -> list[ast.expr] | None:
    """The values of one parameter set; ``pytest.param(...)`` is unwrapped."""
    if isinstance(element, ast.Call) and _call_name(element.func) == "param":
        values: list[ast.expr] = list(element.args)
        return values if len(values) == width else None
    if width == 1:
        return [element]
    if isinstance(element, ast.Tuple | ast.List) and len(element.elts) == width:
        return list(element.elts)
    return None


def _parametrize_rows(decorator: ast.Call) -> list[Row] | None:
    """The rows of one ``parametrize`` decorator; None when we cannot expand it."""
    if len(decorator.args) < 2:
        return None
    names = _argnames(decorator.args[0])
    table = decorator.args[1]
    if names is None or not isinstance(table, ast.List | ast.Tuple):
        return None
    rows: list[Row] = []
    if any(isinstance(element, ast.Starred) for element in table.elts):
        return None  # [*CASES]: the rows exist only at run time
    for element in table.elts:
        values = _row_values(element, len(names))
        if values is None:
            return None
        rows.append(dict(zip(names, values, strict=True)))
    return rows


class _Substitute(ast.NodeTransformer):
    def __init__(self, row: Row) -> None:
        self.row = row

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if isinstance(node.ctx, ast.Load) and node.id in self.row:
            return copy.deepcopy(self.row[node.id])
        return node


def _rebinds(test: ast.FunctionDef, names: set[str]) -> bool:
    return any(
        isinstance(node, ast.Name) and node.id in names and not isinstance(node.ctx, ast.Load)
        for node in ast.walk(test)
    )


def is_parametrized(test: ast.FunctionDef) -> bool:
    """True when ``test`` carries a ``parametrize`` decorator (still, after expanding)."""
    return any(_is_parametrize(d) for d in test.decorator_list)


def _is_parametrize(decorator: ast.expr) -> bool:
    return isinstance(decorator, ast.Call) and _call_name(decorator.func) == "parametrize"


def expand_parametrized(
    test: ast.FunctionDef, keep: frozenset[str] = frozenset()
) -> list[ast.FunctionDef]:
    """One copy of ``test`` per parameter set, its arguments reduced to those in ``keep``;
    ``[test]`` when not parametrized or when it cannot be expanded."""
    decorators = [d for d in test.decorator_list if _is_parametrize(d)]
    if not decorators:
        return [test]
    tables: list[list[Row]] = []
    for decorator in decorators:
        rows = _parametrize_rows(decorator)
        if not rows:
            return [test]
        tables.append(rows)
    params = {arg.arg for arg in test.args.args}
    covered = {name for table in tables for name in table[0]}
    if not covered <= params or (params - covered) - keep or _rebinds(test, covered):
        return [test]
    kept = [arg for arg in test.args.args if arg.arg not in covered]
    cases = []
    for combination in itertools.product(*tables):
        row: Row = {name: value for part in combination for name, value in part.items()}
        case = copy.deepcopy(test)
        case.decorator_list = [d for d in case.decorator_list if not _is_parametrize(d)]
        case.args = ast.arguments(
            posonlyargs=[], args=copy.deepcopy(kept), kwonlyargs=[], kw_defaults=[], defaults=[]
        )
        case.body = [_Substitute(row).visit(statement) for statement in case.body]
        cases.append(ast.fix_missing_locations(case))
    return cases
