"""The ``>>>`` examples in a class skeleton's method docstrings, as ground-truth examples.

A class task (ClassEval's shape: a class docstring, a constructor, and methods whose docstrings
show a session such as ``>>> s = Stack()``, ``>>> s.push(1)``, ``>>> s.pop()`` then ``1``)
pins its methods down the way a function's docstring examples do. Each line with an expected
value becomes one example whose ``setup`` is every line of that docstring before it, run in
order (state carries through a session). Expected values must be Python literals; printed
output and object reprs are left out, and so is a session that uses a name it never defines.

ClassEval's docstrings often call ``parser.parse(...)`` on an instance they never make. When that
name is the session's only undefined one, is used only as ``parser.<attribute>``, the class can
be made without arguments, and the session's first line calls a method (a session opening on
``parser.arguments`` shows state set up elsewhere), the session runs on a fresh instance
(``parser = ArgumentParser()`` first), and only its shown values are kept, not its bare calls.
Run against ClassEval's 70 reference solutions (``benchmarks/classeval_examples.py``), this adds
20 examples with a value (5 more classes with examples, 17 more methods called); the references
pass 18, and the 2 they fail are the benchmark's own slips (a random deck, a docstring its
reference contradicts), not the fresh instance's.

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


def _session(docstring: str) -> list[doctest.Example]:
    try:
        return _PARSER.get_examples(docstring)
    except ValueError:  # malformed doctest (bad indentation)
        return []


def _method_examples(docstring: str, known: set[str]) -> list[DocExample]:
    """The session's examples whose every name is defined in the session or ``known`` (an
    instance the docstring never creates, e.g. one from the class docstring, is not)."""
    session = _session(docstring)
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


def _implicit_instance(session: list[doctest.Example], known: set[str]) -> str | None:
    """The one name ``session`` uses, only as ``name.<attribute>``, without making it, when
    its first line calls a method of it; else None (see the module docstring)."""
    defined, undefined = set(known), set()
    trees = []
    for example in session:
        source = example.source.strip()
        read, bound = _names(source)
        undefined |= read - defined
        defined |= bound
        try:
            trees.append(ast.parse(source))
        except SyntaxError:
            return None
    if len(undefined) != 1 or not trees:
        return None
    name = undefined.pop()
    uses = [n for tree in trees for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name]
    receivers = [n for tree in trees for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                 and isinstance(n.value, ast.Name) and n.value.id == name]
    first = trees[0].body[0] if trees[0].body else None
    opens_with_call = (isinstance(first, ast.Expr) and isinstance(first.value, ast.Call)
                       and isinstance(first.value.func, ast.Attribute)
                       and isinstance(first.value.func.value, ast.Name)
                       and first.value.func.value.id == name)
    return name if len(uses) == len(receivers) and opens_with_call else None


def _made_without_arguments(node: ast.ClassDef) -> bool:
    init = next((m for m in node.body if isinstance(m, ast.FunctionDef) and m.name == "__init__"),
                None)
    if init is None:
        return True
    arguments = init.args
    return (len(arguments.posonlyargs) + len(arguments.args) - 1 <= len(arguments.defaults)
            and all(default is not None for default in arguments.kw_defaults))


def _examples_on_a_fresh_instance(docstring: str, known: set[str], class_name: str
                                  ) -> list[DocExample]:
    """The shown values of a session that uses an instance of the class ``class_name`` (made
    without arguments) it never makes, run on a fresh one; [] when the session is not of that
    kind (see the module docstring)."""
    name = _implicit_instance(_session(docstring), known)
    if name is None:
        return []
    made = f"{name} = {class_name}()"
    return [DocExample(call=e.call, expected=e.expected,
                       setup="\n".join(line for line in (made, e.setup) if line))
            for e in _method_examples(docstring, known | {name}) if e.expected]


def class_doc_examples(prompt: str, class_name: str, fresh_instances: bool = True
                       ) -> list[DocExample]:
    """Every method's examples in the class ``class_name`` of ``prompt`` (none when it is not
    a class skeleton); ``fresh_instances=False`` leaves out the sessions on an instance they
    never make (for measuring what they add)."""
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
            fresh = fresh_instances and _made_without_arguments(node)
            for method in node.body:
                if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                    docstring = ast.get_docstring(method) or ""
                    found += (_method_examples(docstring, known) or (
                        _examples_on_a_fresh_instance(docstring, known, class_name)
                        if fresh else []))
    return found if any(example.expected for example in found) else []
