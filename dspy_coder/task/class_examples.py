"""The ``>>>`` examples in a class skeleton's method docstrings, as ground-truth examples.

A class task (ClassEval's shape: a class docstring, a constructor, and methods whose docstrings
show a session such as ``>>> s = Stack()``, ``>>> s.push(1)``, ``>>> s.pop()`` then ``1``)
pins its methods down the way a function's docstring examples do. Each line with an expected
value becomes one example whose ``setup`` is every line of that docstring before it, run in
order (state carries through a session). Expected values must be Python literals; printed
output and object reprs are left out, and so is a session that uses a name it never defines
(ClassEval's docstrings often call ``parser.parse(...)`` on an instance made elsewhere).

A call the session shows no result for (``>>> f.log(user)`` then a blank line), after the
session's last checked value, becomes an example with ``expected=""``: the call must run
without raising; its value is not checked (in 8 of ClassEval's 50 such calls the reference
returns a value the docstring leaves out, so "returns None" would be wrong). It makes a test
call the method at all (ClassEval: 10 such examples; classes with every method called by an
example, 38 of 70 before, 40 with them). A class with no checked value gets none of them, so
a task without real examples stays one.

Example:
    >>> skeleton = '''class Stack:
    ...     def pop(self):
    ...         \"\"\"Remove the top.
    ...         >>> s = Stack()
    ...         >>> s.push(1)
    ...         >>> s.pop()
    ...         1
    ...         \"\"\"'''
    >>> [(e.setup, e.call, e.expected) for e in class_doc_examples(skeleton, "Stack")]
    [('s = Stack()\\ns.push(1)', 's.pop()', '1')]
    >>> logged = skeleton + '''
    ...     def log(self):
    ...         \"\"\"Log the top.
    ...         >>> Stack().log()
    ...         \"\"\"'''
    >>> [(e.call, e.expected) for e in class_doc_examples(logged, "Stack")]
    [('s.pop()', '1'), ('Stack().log()', '')]
"""

from __future__ import annotations

import ast
import builtins
import doctest

from dspy_coder.types import DocExample

_PARSER = doctest.DocTestParser()


def _literal(text: str) -> str | None:
    """``text`` as Python source of a literal value, or None."""
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return text


def _is_expression(source: str) -> bool:
    try:
        ast.parse(source, mode="eval")
    except SyntaxError:
        return False
    return True


def _is_call(source: str) -> bool:
    try:
        return isinstance(ast.parse(source, mode="eval").body, ast.Call)
    except SyntaxError:
        return False


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names read, names bound) in ``source``; both empty when it does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
    read, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return read, bound


def _method_examples(docstring: str, known: set[str]) -> list[DocExample]:
    """The session's examples whose every name is defined in the session or ``known`` (an
    instance the docstring never creates, e.g. one from the class docstring, is not)."""
    try:
        session = _PARSER.get_examples(docstring)
    except ValueError:  # malformed doctest (bad indentation)
        return []
    found: list[DocExample] = []
    unchecked: list[DocExample] = []  # calls shown without a result since the last value
    before: list[str] = []
    defined = set(known)
    for example in session:
        source = example.source.strip()
        read, bound = _names(source)
        if not read <= defined:
            break  # the session uses something it never made: nothing after is sure
        expected = _literal(example.want.strip()) if example.want.strip() else None
        shown = _is_expression(source) and not source.startswith("print(")
        if shown and expected is not None:
            found.append(DocExample(call=source, expected=expected, setup="\n".join(before)))
            unchecked = []  # the calls before it are its setup
        elif shown and not example.want.strip() and _is_call(source):
            unchecked.append(DocExample(call=source, expected="", setup="\n".join(before)))
        defined |= bound
        before.append(source)
    return found + unchecked


def class_doc_examples(prompt: str, class_name: str) -> list[DocExample]:
    """Every method's examples in the class ``class_name`` of ``prompt`` (none when it is not
    a class skeleton)."""
    try:
        tree = ast.parse(prompt)
    except SyntaxError:
        return []
    _, imported = _names("\n".join(ast.unparse(n) for n in tree.body
                                    if isinstance(n, ast.Import | ast.ImportFrom)))
    known = set(dir(builtins)) | imported | {n.name for n in tree.body
                                             if isinstance(n, ast.ClassDef | ast.FunctionDef)}
    found: list[DocExample] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for method in node.body:
                if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                    found += _method_examples(ast.get_docstring(method) or "", known)
    return found if any(example.expected for example in found) else []
