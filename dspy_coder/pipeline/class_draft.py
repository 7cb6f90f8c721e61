"""A class skeleton's first draft written one method at a time (``class_strategy="per_method"``).

ClassEval found weaker models do better writing a class method by method than in one answer.
Each method whose body is only its docstring (or ``pass``/``...``) is asked for in order, with
the class as written so far, and put into the class in its place; a method the model fails to
write keeps its skeleton, so the draft always has every method.

Example:
    >>> skeleton = "class C:\\n    def f(self):\\n        '''One.'''\\n"
    >>> unwritten_methods(skeleton, "C")
    ['f']
    >>> print(splice_method(skeleton, "C", "def f(self):\\n    return 1"))
    class C:
    <BLANKLINE>
        def f(self):
            return 1
    <BLANKLINE>
"""

from __future__ import annotations

import ast
import logging
import textwrap

import dspy

from dspy_coder.code.extraction import extract_code
from dspy_coder.code.pieces import is_stub
from dspy_coder.pipeline.signatures.method_writer import MethodWriter

logger = logging.getLogger(__name__)


def class_node(tree: ast.Module, class_name: str) -> ast.ClassDef | None:
    """The top-level class ``class_name`` of ``tree``, or None."""
    return next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name),
                None)


def is_class_task(prompt: str, entry_point: str | None) -> bool:
    """Whether ``prompt`` is a skeleton of the class ``entry_point``."""
    try:
        return bool(entry_point) and class_node(ast.parse(prompt), entry_point) is not None
    except SyntaxError:
        return False


def unwritten_methods(source: str, class_name: str) -> list[str]:
    """The methods of the class whose body is only a docstring, ``pass`` or ``...``."""
    node = class_node(ast.parse(source), class_name)
    if node is None:
        return []
    return [m.name for m in node.body
            if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef) and is_stub(m)]


def method_from(answer: str, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The method ``name`` in the model's answer (alone, indented, or inside a class)."""
    code = extract_code(answer or "")
    for candidate in (code, textwrap.dedent(code)):
        try:
            tree = ast.parse(candidate)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
                return node
    return None


def imports_for(answer: str, method: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """The top-level imports of the model's answer that bind a name ``method`` reads (an
    answer often starts ``import re`` before the method that uses it)."""
    try:
        tree = ast.parse(extract_code(answer or ""))
    except SyntaxError:
        return []
    read = {n.id for n in ast.walk(method) if isinstance(n, ast.Name)}
    return [ast.unparse(node) for node in tree.body
            if isinstance(node, ast.Import | ast.ImportFrom)
            and {(a.asname or a.name).split(".")[0] for a in node.names} & read]


def with_imports(source: str, imports: list[str]) -> str:
    """``source`` with the ``imports`` it lacks put first."""
    have = set(source.splitlines())
    missing = [line for line in dict.fromkeys(imports) if line not in have]
    return "".join(f"{line}\n" for line in missing) + source if missing else source


def splice_method(source: str, class_name: str, method_code: str) -> str:
    """``source`` with the class's method of the same name replaced by ``method_code``;
    unchanged when either cannot be read."""
    try:
        tree = ast.parse(source)
        first = next(iter(ast.parse(textwrap.dedent(method_code)).body), None)
    except SyntaxError:
        return source
    node = class_node(tree, class_name)
    if node is None or not isinstance(first, ast.FunctionDef | ast.AsyncFunctionDef):
        return source
    node.body = [first if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)
                 and m.name == first.name else m for m in node.body]
    return ast.unparse(tree) + "\n"


def with_answered_method(source: str, class_name: str, name: str, answer: str) -> str | None:
    """``source`` with the method ``name`` of the model's ``answer`` put in its place in the
    class, and the imports it needs; None when the answer holds no usable ``name``."""
    method = method_from(answer, name)
    if method is None:
        return None
    spliced = splice_method(source, class_name, ast.unparse(method))
    return with_imports(spliced, imports_for(answer, method))


class ClassDrafter(dspy.Module):
    """The per-method first draft of a class skeleton (see the module docstring)."""

    def __init__(self, max_tokens: int | None = None) -> None:
        super().__init__()
        self.write_method = dspy.Predict(MethodWriter, **(
            {"max_tokens": max_tokens} if max_tokens else {}))

    def forward(self, prompt: str, class_name: str) -> dspy.Prediction:
        source = prompt
        for name in unwritten_methods(prompt, class_name):
            answer = self.write_method(class_code=source, method=name)
            written = with_answered_method(source, class_name, name,
                                           str(answer.method_code or ""))
            if written is None:
                logger.info("per-method draft: no usable %s in the answer; kept the stub", name)
                continue
            source = written
        return dspy.Prediction(code=source)
