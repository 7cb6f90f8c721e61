"""Turn raw model output into a runnable module.

Small models wrap code in fences, add prose, return only a function body, or drop the
prompt's imports and helper functions. ``assemble_solution`` repairs those cases so the
program is graded on its logic, not its formatting. It never raises on bad output: what
cannot be repaired is returned as-is and fails in the sandbox as data.

Example:
    >>> extract_code("Here:\\n```python\\ndef f():\\n    return 1\\n```\\nDone.")
    'def f():\\n    return 1'
"""

from __future__ import annotations

import ast
import difflib
import re
import textwrap

from dspy_coder.code.module_functions import declared_top_level, with_module_functions

_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)(?:```|\Z)", re.S | re.I)


def extract_code(text: str) -> str:
    """The code in ``text``: the longest fenced block if any, else the text without stray fences."""
    if text is None:
        return ""
    blocks = [block.strip("\n") for block in _FENCE.findall(text)]
    blocks = [block for block in blocks if block.strip()]
    if blocks:
        return max(blocks, key=len)
    return text.replace("```python", "").replace("```", "").strip("\n")


def _defines(code: str, name: str) -> bool:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return re.search(rf"^\s*(?:async\s+)?def\s+{re.escape(name)}\s*\(", code, re.M) is not None
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.name == name
        for node in tree.body
    )


NEAR_MISS_RATIO = 0.85  # how alike a function's name must be to the task's to stand for it


def _near_miss(code: str, entry_point: str) -> str | None:
    """The one top-level function of ``code`` whose name is the task's but for a letter or two
    (MBPP/233 asks for ``lateralsuface_cylinder``; the 1.5B wrote ``lateralsurface_cylinder``),
    else None."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    names = [node.name for node in tree.body
             if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    alike = [name for name in names
             if difflib.SequenceMatcher(None, name.lower(), entry_point.lower()).ratio()
             >= NEAR_MISS_RATIO]
    return alike[0] if len(alike) == 1 else None


def _is_skeleton(prompt: str, entry_point: str) -> bool:
    """Whether ``prompt`` is Python that declares ``entry_point`` (a signature a bare body can
    go under), not prose naming it (a project module's task lists ``def main(...)``)."""
    try:
        ast.parse(prompt)
    except SyntaxError:
        return False
    return _defines(prompt, entry_point)


def _source(node: ast.stmt, lines: list[str]) -> str:
    """The source lines of a prompt statement."""
    return "\n".join(lines[node.lineno - 1 : node.end_lineno])


def _prompt_context(prompt: str, entry_point: str, code: str) -> str:
    """The prompt's imports and helper definitions that ``code`` does not define itself."""
    try:
        tree = ast.parse(prompt + "\n    pass\n")
    except SyntaxError:
        return ""
    lines = prompt.splitlines()
    pieces: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            statement = _source(node, lines)
            if not re.search(rf"^{re.escape(statement.strip())}\s*$", code, re.M):
                pieces.append(statement)
        elif isinstance(node, ast.Assign) and _source(node, lines).strip() in code:
            continue
        elif isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Assign):
            name = getattr(node, "name", None)
            if name == entry_point or (name and _defines(code, name)):
                continue
            start = min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])
            pieces.append("\n".join(lines[start - 1 : node.end_lineno]))
    return "\n\n".join(pieces)


def _strip_to_code(code: str) -> str:
    """Drop leading prose lines until the rest parses (keeps ``code`` if nothing parses)."""
    lines = code.splitlines()
    for start in range(min(len(lines), 8)):
        candidate = "\n".join(lines[start:])
        try:
            ast.parse(candidate)
        except SyntaxError:
            continue
        return candidate
    return code


def _is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)


def _is_demo_call(node: ast.stmt, entry_point: str) -> bool:
    """``print(...)`` or a bare ``entry_point(...)`` call at module level: example usage."""
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    func = node.value.func
    return isinstance(func, ast.Name) and func.id in ("print", entry_point)


def drop_module_level_checks(code: str, entry_point: str) -> str:
    """Remove the example usage models append after the function: module-level ``assert``
    statements, ``if __name__ == "__main__":`` blocks, and ``print(...)`` or bare calls of the
    entry point. One wrong self-written assert would otherwise fail the whole module on import.
    Code that does not parse is returned unchanged."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    drop = [
        node
        for node in tree.body
        if isinstance(node, ast.Assert) or _is_main_guard(node) or _is_demo_call(node, entry_point)
    ]
    if not drop:
        return code
    lines = code.splitlines()
    for node in sorted(drop, key=lambda n: n.lineno, reverse=True):
        del lines[node.lineno - 1 : node.end_lineno]
    return "\n".join(lines).rstrip() + "\n"


_EFFECTS = (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)


def _is_placeholder(statement: ast.stmt) -> bool:
    """No implementation: ``pass``, ``raise NotImplementedError``, or an expression that does
    nothing: a docstring, ``...``, or a bare name or subscript (a sampled answer can be a body
    such as ``obj['code']``)."""
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr):
        return not any(isinstance(node, _EFFECTS) for node in ast.walk(statement.value))
    if isinstance(statement, ast.Raise) and statement.exc is not None:
        return "NotImplementedError" in ast.unparse(statement.exc)
    return False


def holds_no_program(code: str) -> bool:
    """True when ``code`` parses but defines and does nothing: only imports and placeholders
    (the 1.5B once answered a rewrite with ``obj['new_code']``). Code that does not parse is
    not judged here (False)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    return all(isinstance(s, ast.Import | ast.ImportFrom) or _is_placeholder(s)
               for s in tree.body)


def has_empty_body(code: str, entry_point: str | None) -> bool:
    """True when ``code`` defines ``entry_point`` with nothing but placeholders in its body,
    e.g. a sampled answer that only repeated the prompt's signature and docstring. Code that
    does not parse or does not define the function is not judged here (False)."""
    if not entry_point:
        return False
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == entry_point:
            return all(_is_placeholder(statement) for statement in node.body)
    return False


def _served(code: str, prompt: str) -> str:
    """``code`` with the module-level functions a prose task declares and the code writes
    only as methods of one class bound to a default instance (``code.module_functions``)."""
    declared = declared_top_level(prompt)
    return with_module_functions(code, declared) if declared else code


def assemble_solution(raw: str, prompt: str, entry_point: str | None) -> str:
    """A complete module for ``raw`` model output answering ``prompt``.

    - fenced or prose-wrapped code is extracted;
    - a bare function body is placed under the prompt's signature (a prompt in prose has
      none: the answer is kept as it is); a whole function named as the task's but for a letter
      or two is kept, and the task's name bound to it;
    - the prompt's imports and helpers are kept when the model dropped them;
    - example usage after the function (asserts, prints, a ``__main__`` block) is dropped;
    - module-level functions a prose task declares (``def get(key)``) that the answer writes
      only as methods of one class are bound to a default instance of it.
    """
    code = _strip_to_code(extract_code(raw))
    if not entry_point:
        return _served(code, prompt)
    defined = _defines(code, entry_point)
    near = None if defined else _near_miss(code, entry_point)
    if near:  # a whole function under another spelling, not a body to put under the signature
        code = f"{code.rstrip()}\n\n\n{entry_point} = {near}  # the name the task asks for\n"
    if defined or near:
        code = drop_module_level_checks(code, entry_point).rstrip("\n")
        context = _prompt_context(prompt, entry_point, code)
        return f"{context}\n\n{code}\n" if context else f"{code}\n"
    if not _is_skeleton(prompt, entry_point):  # a task in prose: nothing to put a body under
        return _served(f"{code.rstrip()}\n", prompt) if code.strip() else ""
    if not code.strip():
        return prompt
    body = textwrap.indent(textwrap.dedent(code), "    ")
    return f"{prompt.rstrip()}\n{body}\n"
