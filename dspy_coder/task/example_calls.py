"""The prompt's signature, and the calls a docstring example may make.

A call is trusted only when it is closed: literals, the entry point, the prompt's own
functions and a few pure builtins, so that it evaluates against any solution. Named inputs
(``arr = [1, 2], k = 3``) are mapped onto the entry point's parameters by name.

Example:
    >>> sig = PromptSignature.from_prompt("def f(arr, k):\\n    pass\\n", "f")
    >>> render_call(named_inputs("k = 1, arr = [2]", sig, prose_tail=False), sig)
    'f([2], 1)'
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from dspy_coder.task.example_values import is_literal, literal_prefix, parse_expression

SAFE_BUILTINS = frozenset(
    "abs all any bool dict float frozenset int len list max min reversed round set sorted "
    "str sum tuple".split()
)
# nodes that could read variables or attributes: never in a trusted call
_OPEN_NODES = (ast.Attribute, ast.Lambda, ast.NamedExpr, ast.Starred, ast.comprehension)
_NAMED = re.compile(r"\s*([A-Za-z_]\w*)\s*[=:]\s*")


@dataclass(frozen=True)
class PromptSignature:
    """What the parsers need to know about the prompt's code: the entry point's parameters and
    the functions the prompt defines (a function signature, not a ``dspy.Signature``)."""

    entry_point: str | None
    params: tuple[tuple[str, bool, bool], ...] | None = None  # (name, has_default, keyword_only)
    functions: frozenset[str] = field(default_factory=frozenset)
    recurrence: bool = False  # the docstring defines the entry point as ``f(n) = ...`` maths

    @classmethod
    def from_prompt(cls, prompt: str, entry_point: str | None) -> PromptSignature:
        functions = set(re.findall(r"^\s*def\s+([A-Za-z_]\w*)\s*\(", prompt, re.M))
        return cls(
            entry_point=entry_point,
            params=_params(prompt, entry_point),
            functions=frozenset(functions | ({entry_point} if entry_point else set())),
            recurrence=bool(entry_point) and _defines_recurrence(prompt, entry_point),
        )


def _params(prompt: str, entry_point: str | None) -> tuple[tuple[str, bool, bool], ...] | None:
    """The entry point's parameters, from the prompt's code or else its ``def`` line."""
    if not entry_point:
        return None
    line = re.search(rf"^\s*def\s+{re.escape(entry_point)}\s*\((.*)\)[^()]*:", prompt, re.M)
    def_line = f"def _({line.group(1)}): pass" if line else ""
    for source, name in ((prompt, entry_point), (def_line, "_")):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                return _arguments(node.args)
    return None


def _arguments(args: ast.arguments) -> tuple[tuple[str, bool, bool], ...]:
    """(name, has_default, keyword_only) for each parameter."""
    positional = args.posonlyargs + args.args
    first_default = len(positional) - len(args.defaults)
    named = [(arg.arg, number >= first_default, False) for number, arg in enumerate(positional)]
    named += [
        (arg.arg, default is not None, True)
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)
    ]
    return tuple(named)


def _defines_recurrence(prompt: str, entry_point: str) -> bool:
    """A line ``f(n) = ...`` with a non-literal argument: there ``f(2) = 2`` is maths notation."""
    for match in re.finditer(rf"\b{re.escape(entry_point)}\s*\(", prompt):
        end = closing_bracket(prompt, match.end() - 1)
        call = prompt[match.start() : end] if end else ""
        if end and re.match(r"\s*=(?![=>])", prompt[end:]) and not literal_call(call):
            return True
    return False


def closing_bracket(text: str, start: int) -> int | None:
    """Index just past the bracket closing the one at ``start`` (quotes respected)."""
    depth, quote = 0, None
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def literal_call(call: str) -> bool:
    """A call whose arguments are all literals (not ``f(n)`` from a recurrence definition)."""
    node = parse_expression(call)
    if not isinstance(node, ast.Call):
        return False
    args = list(node.args) + [k.value for k in node.keywords]
    return all(is_literal(ast.unparse(arg)) for arg in args)


def closed_expression(source: str, sig: PromptSignature) -> bool:
    """``source`` calls the entry point and uses no variables: only literals, the prompt's
    functions and pure builtins (``round(find_zero([1, 2]), 2)`` yes, ``f(a)`` no)."""
    node = parse_expression(source)
    if node is None:
        return False
    called = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
    targets = {sig.entry_point} if sig.entry_point else set(sig.functions)
    uses_target = False
    for sub in ast.walk(node):
        if isinstance(sub, _OPEN_NODES):
            return False
        if isinstance(sub, ast.Name):
            if id(sub) not in called:
                return False
            known = sub.id in sig.functions or sub.id in SAFE_BUILTINS or not targets
            if not known:
                return False
            uses_target = uses_target or sub.id in targets or not targets
    return uses_target


def named_inputs(text: str, sig: PromptSignature, prose_tail: bool) -> dict[str, str] | None:
    """``arr = [1, 2], k = 3`` (or ``:``) as {parameter: literal}; names must be parameters.

    With ``prose_tail``, words after the last value are allowed (``N = 1000, the sum...``).
    """
    names = {name for name, _, _ in sig.params or ()}
    inputs: dict[str, str] = {}
    rest = text
    while True:
        named = _NAMED.match(rest)
        if not named or named.group(1) not in names or named.group(1) in inputs:
            return None
        split = literal_prefix(rest[named.end() :])
        if split is None:
            return None
        inputs[named.group(1)], rest = split[0], split[1].lstrip(", \t")
        if not rest:
            return inputs
        following = _NAMED.match(rest)
        if following and following.group(1) in names:
            continue
        prose = prose_tail and re.match(r"[A-Za-z]{2,}\b", rest) and "=" not in rest
        return inputs if prose else None


def render_call(inputs: dict[str, str] | str, sig: PromptSignature) -> str | None:
    """The entry-point call for named inputs (or one bare literal for a one-parameter function)."""
    params = sig.params
    if not sig.entry_point or params is None:
        return None
    if isinstance(inputs, str):
        return f"{sig.entry_point}({inputs})" if len(params) == 1 and is_literal(inputs) else None
    if any(name not in inputs for name, has_default, _ in params if not has_default):
        return None
    args, keyword = [], False
    for name, _, keyword_only in params:
        keyword = keyword or keyword_only or name not in inputs
        if name not in inputs:
            continue
        if keyword:
            args.append(f"{name}={inputs[name]}")
        else:
            args.append(inputs[name])
    return f"{sig.entry_point}({', '.join(args)})"
