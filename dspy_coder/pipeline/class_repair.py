"""A class's refinement one method at a time (``class_strategy="per_method"``).

A 1.5B model asked to fix one method by rewriting a whole class drops or stubs the others.
Here every method the failures name (a call ``obj.name(...)`` or a traceback frame ``in
name``), and every method using a name nothing defines, is rewritten alone, given the whole
class and the failures, and put back in its place; every other method stays as it was. It
takes the refinement steps' inputs and returns their ``fixed_code``, so ``dspy.Refine`` and
``DistinctRefinement`` use it like them.

Example:
    >>> code = ("class C:\\n    def f(self):\\n        return 0\\n"
    ...         "    def g(self):\\n        return 1\\n")
    >>> failing_methods(code, "FAILED t: c.f() returned 0, expected 2")
    ('C', ['f'])
    >>> failing_methods(code.replace("return 1", "return jwt.x"), "The code uses jwt ...")
    ('C', ['g'])
"""

from __future__ import annotations

import ast
import logging
import re

import dspy

from dspy_coder.code.pieces import is_docstring, is_stub, unwritten_methods_of
from dspy_coder.pipeline.class_draft import class_node, with_answered_method
from dspy_coder.pipeline.redrawing import SAMPLE_STRIDE, rollout_slot
from dspy_coder.pipeline.signatures.method_fixer import MethodFixer
from dspy_coder.task.requirements import undefined_names

logger = logging.getLogger(__name__)


def _named(method: str, failures: str) -> int | None:
    """Where ``failures`` first names ``method`` as a call or a traceback frame, or None."""
    found = re.search(rf"(?:\.|\bin ){re.escape(method)}\b", failures)
    return found.start() if found else None


def _reads(method: ast.FunctionDef | ast.AsyncFunctionDef, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(method))


AFTER = re.compile(r" \(after [^\n]*\)")  # the calls a class example ran before its own


def _calls_before(failures: str) -> str:
    """The calls failing examples ran before their own (``(after h = H(); h.add(1))``), the
    latest first."""
    calls = [c for m in AFTER.findall(failures) for c in m[len(" (after "):-1].split("; ")]
    return "; ".join(reversed(calls))


def failing_methods(code: str, failures: str, limit: int = 3) -> tuple[str, list[str]]:
    """The top-level class of ``code`` with the most failing methods, and those: first the
    ones that use a name nothing defines (the failure "uses jwt but never defines it" names
    no method) and the unwritten ones (a docstring, ``pass`` or ``...``) the failures name
    anywhere, then the ones the failures name, in the order they first do, then any other
    unwritten one (at most ``limit``); ``("", [])`` when none. The calls an example ran
    before its own count only when the failures name no method otherwise (an attribute read
    wrong), the latest first."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return "", []
    undefined = set(undefined_names(code))
    own, before = AFTER.sub("", failures), _calls_before(failures)
    best: tuple[str, list[str]] = ("", [])
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        methods = [m for m in node.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)]
        unwritten = unwritten_methods_of(node)
        first = {m.name for m in methods if _reads(m, undefined) or (
            m.name in unwritten and _named(m.name, failures) is not None)}
        named: list[tuple[int, str]] = []
        for text in (own, before):
            places = {m.name: -1 if m.name in first else _named(m.name, text)
                      for m in methods}
            named = sorted((p, name) for name, p in places.items() if p is not None)
            if named:
                break
        chosen = [name for _, name in named]
        chosen += [name for name in unwritten if name not in chosen]
        if len(chosen) > len(best[1]):
            best = (node.name, chosen[:limit])
    return best


def _methods(code: str, class_name: str) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """The methods of the top-level class ``class_name`` by name ({} when unreadable)."""
    try:
        node = class_node(ast.parse(code), class_name)
    except SyntaxError:
        return {}
    return {m.name: m for m in node.body
            if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)} if node else {}


def _parameters(method: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Its parameters besides ``self``/``cls``."""
    static = "staticmethod" in {ast.unparse(d) for d in method.decorator_list}
    arguments = [*method.args.posonlyargs, *method.args.args, *method.args.kwonlyargs]
    return [a.arg for a in arguments[0 if static else 1:]]


def _unread(method: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    read = {n.id for n in ast.walk(method) if isinstance(n, ast.Name)}
    return [name for name in _parameters(method) if name not in read]


def _ignored(node: ast.FunctionDef | ast.AsyncFunctionDef | None) -> list[str]:
    """The parameters a written method never reads; [] for none, an unwritten one, or None."""
    return _unread(node) if node is not None and not is_stub(node) else []


def _ignored_note(code: str, class_name: str, method: str) -> str:
    """A line for the failures when the failing version of ``method`` ignored parameters,
    naming the written methods that take and read the same ones: ClassEval_56's
    ``precision(predicted, true)`` read only the counters ``update(predicted, true)`` fills,
    and three rewrites repeated that."""
    methods = _methods(code, class_name)
    ignored = _ignored(methods.get(method))
    if not ignored:
        return ""
    several = len(ignored) > 1
    noun, them = ("parameters", "them") if several else ("parameter", "it")
    note = (f"\nNote: the failing {method} never read its {noun} {', '.join(ignored)}; its "
            f"result has to depend on {them}.")
    takers = [f"{m.name}({', '.join(_parameters(m))})"
              for m in methods.values() if m.name != method
              and not is_stub(m) and set(ignored) <= set(_parameters(m)) - set(_unread(m))]
    if takers:
        note += f" {', '.join(takers)} {'take' if len(takers) > 1 else 'takes'} {them} too."
    return note


def without_body(code: str, class_name: str, method: str) -> str:
    """``code`` with the class's ``method`` cut back to its docstring and ``...``, as the
    skeleton had it; unchanged when it cannot be read."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and (
                        member.name == method):
                    kept = member.body[:1] if is_docstring(member.body[0]) else []
                    member.body = [*kept, ast.Expr(ast.Constant(...))]
                    return ast.unparse(tree) + "\n"
    return code


class MethodRepairStep(dspy.Module):
    """One refinement of a class: each failing method rewritten alone (see the module
    docstring); the code comes back unchanged when the failures name no method of it. With
    two or more methods rewritten it also returns ``single_changes``: the class with just one
    of them, for each, which the loop runs too (no LM call), so a fix is not lost when the
    same repair breaks another method. With ``samples`` > 1 each method is drawn that many
    times, and the other draws come back as ``alternatives`` (the class with that draw alone,
    and a label), which the loop runs too: at f41d7e7-002af28 the one draw per round often
    repeated the same wrong body (ClassEval_56's formula, three rounds).
    ``fresh``: the model sees each failing method cut back to its docstring, not its failing
    body (a 1.5B shown its failing method returns it unchanged, at any temperature:
    ClassEval_21 at f41d7e7, six draws, one program)."""

    def __init__(self, max_tokens: int | None = None, max_methods: int = 3,
                 fresh: bool = False, samples: int = 1) -> None:
        super().__init__()
        self.fix_method = dspy.Predict(MethodFixer, **(
            {"max_tokens": max_tokens} if max_tokens else {}))
        self.max_methods = max_methods
        self.fresh = fresh
        self.samples = samples
        # how its attempts are labelled: a repair of the current code, or a rewrite that does
        # not see it (like RefineStep's and RewriteStep's)
        self.stage = "rewrite" if fresh else "refine"

    def forward(
        self, task: str, code: str, failures: str, metrics: str, history: str
    ) -> dspy.Prediction:
        del task, metrics, history  # the class and its failures say what to fix
        class_name, methods = failing_methods(code, failures, self.max_methods)
        fixed, answers, alternatives = code, {}, []
        for name in methods:
            shown = without_body(fixed, class_name, name) if self.fresh else fixed
            told = failures + _ignored_note(fixed, class_name, name)
            draws = self._draws(shown, name, told)
            repaired = with_answered_method(fixed, class_name, name, draws[0])
            if repaired is None:
                logger.info("method repair: no usable %s in the answer; kept it", name)
            else:
                fixed, answers[name] = repaired, draws[0]
            for other in draws[1:]:
                alternative = with_answered_method(code, class_name, name, other)
                if alternative is not None and alternative not in {a for a, _ in alternatives}:
                    alternatives.append((alternative, f"Another draw of {name}, alone."))
        singles = [with_answered_method(code, class_name, name, answer)
                   for name, answer in answers.items()] if len(answers) > 1 else []
        return dspy.Prediction(
            fixed_code=fixed,
            reasoning=f"Rewrote {', '.join(methods)} of {class_name}." if methods else "",
            single_changes=[single for single in singles if single is not None],
            alternatives=alternatives,
        )

    def _draws(self, class_code: str, method: str, failures: str) -> list[str]:
        """``samples`` answers for ``method``: the first under the round's LM, the others at
        temperature 1.0, each with its own rollout id (a seeded local model turns it into a
        seed), so they differ from it and from each other."""
        lm = self.fix_method.lm or dspy.settings.lm
        slot = rollout_slot(self)
        answers = []
        for k in range(self.samples if lm is not None else 1):
            draw_lm = lm.copy(rollout_id=slot + SAMPLE_STRIDE * k, temperature=1.0) if k else lm
            answers.append(str(self.fix_method(class_code=class_code, method=method,
                                               failures=failures, lm=draw_lm).method_code or ""))
        return answers
