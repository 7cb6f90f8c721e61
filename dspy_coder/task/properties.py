"""Properties a task states, checked on the inputs the generated tests use.

A task without examples still often says something checkable about *every* answer, whatever
the right values are: an encoder and its decoder round-trip (``decode_x(encode_x(s)) == s``),
a normaliser is idempotent (``normalize(normalize(s)) == normalize(s)``), and "don't change
the given array" means the argument is the same after the call. Those are ground truth
from the task's own words, so a candidate that breaks one fails a test that always counts;
the inputs come from the generated tests' calls (the values are known to fit the signature),
and an input the function rejects with an exception proves nothing either way.

Example:
    >>> [p.kind for p in stated_properties(
    ...     "Build validate_email(s) and normalize_email(s).", None)]
    ['idempotent']
    >>> written = ["def test_a():\\n    assert normalize(' A') == 'a'\\n"]
    >>> tests = property_tests(stated_properties("Write normalize(s).", None), written)
    >>> tests[0].name
    'test_property_idempotent_normalize'
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from dspy_coder.task.literal_calls import literal_calls
from dspy_coder.task.requirements import stated_requirements
from dspy_coder.types import TestCase

PROPERTY_PREFIX = "test_property_"
MAX_INPUTS = 6
_INVERSES = (
    ("encode", "decode"), ("encrypt", "decrypt"), ("compress", "decompress"),
    ("serialize", "deserialize"), ("pack", "unpack"), ("escape", "unescape"),
)
_IDEMPOTENT = re.compile(r"^(normali[sz]e|canonicali[sz]e|sanitize|clean)(_|$)")
_KEEPS_INPUT = re.compile(
    r"\b(?:do(?:n't| not)|must not|should not|never|without)\s+"
    r"(?:chang|modif|mutat|alter)\w*\s+(?:the\s+)?(?:given|input|original|argument|passed)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class StatedProperty:
    """One property: its kind and the functions it relates (``round_trip``: encoder,
    decoder; ``idempotent`` and ``keeps_input``: the function)."""

    kind: str
    functions: tuple[str, ...]

    @property
    def test_name(self) -> str:
        return f"{PROPERTY_PREFIX}{self.kind}_{self.functions[-1]}"

    @property
    def words(self) -> str:
        first = self.functions[0]
        if self.kind == "round_trip":
            return f"{self.functions[1]}({first}(x)) == x"
        if self.kind == "idempotent":
            return f"{first}({first}(x)) == {first}(x)"
        return f"{first} leaves its arguments unchanged"


def _named_functions(prompt: str, entry_point: str | None) -> list[str]:
    """Functions the task names: its ``def`` lines (a code prompt), the names its prose
    calls for, and the entry point."""
    names = list(stated_requirements(prompt, entry_point).names)
    try:
        tree = ast.parse(prompt)
    except SyntaxError:
        tree = None
    if tree is not None:
        names += [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    if entry_point:
        names.append(entry_point)
    return list(dict.fromkeys(names))


def stated_properties(prompt: str, entry_point: str | None) -> list[StatedProperty]:
    """The properties the task's names and words state (see the module docstring)."""
    names = _named_functions(prompt, entry_point)
    found: list[StatedProperty] = []
    for forward, backward in _INVERSES:
        for name in names:
            if name.startswith(forward) and name.replace(forward, backward, 1) in names:
                found.append(StatedProperty("round_trip", (name, name.replace(
                    forward, backward, 1))))
    found += [StatedProperty("idempotent", (n,)) for n in names if _IDEMPOTENT.match(n)]
    if _KEEPS_INPUT.search(prompt):
        keeper = entry_point or (names[0] if names else None)
        if keeper:
            found.append(StatedProperty("keeps_input", (keeper,)))
    return found


def _render(prop: StatedProperty, inputs: list[tuple]) -> str:
    name, first = prop.test_name, prop.functions[0]
    lines = [f"def {name}():", f"    for _args in {inputs!r}:"]
    if prop.kind == "round_trip":
        decoder = prop.functions[1]
        lines += [
            "        try:",
            f"            _encoded = {first}(*_args)",
            "        except Exception:",
            "            continue",
            f"        _back = {decoder}(_encoded)",
            "        assert _back == _args[0], (",
            f"            f'{decoder}({first}({{_args[0]!r}})) returned {{_back!r}}: the two '",
            "            'should undo each other')",
        ]
    elif prop.kind == "idempotent":
        lines += [
            "        try:",
            f"            _once = {first}(*_args)",
            "        except Exception:",
            "            continue",
            f"        _twice = {first}(_once)",
            "        assert _twice == _once, (",
            f"            f'{first}({{_once!r}}) returned {{_twice!r}}: normalising a normalised '",
            "            'value should change nothing')",
        ]
    else:  # keeps_input
        lines += [
            "        import copy as _copy",
            "        _before = _copy.deepcopy(_args)",
            "        try:",
            f"            {first}(*_args)",
            "        except Exception:",
            "            continue",
            "        assert _args == _before, (",
            f"            f'{first} changed its argument {{_before!r}} to {{_args!r}}: the task '",
            "            'says not to change the given input')",
        ]
    return "\n".join(lines) + "\n"


def property_tests(properties: list[StatedProperty], test_sources: list[str]) -> list[TestCase]:
    """One test per stated property that the tests give inputs for; they always count."""
    tests = []
    for prop in properties:
        arity = (1,) if prop.kind != "keeps_input" else None
        inputs = [args for args in literal_calls(test_sources, prop.functions, MAX_INPUTS)
                  if arity is None or len(args) in arity]
        if prop.kind == "round_trip":  # inputs of the decoder are encoded values: not inputs
            inputs = [args for args in literal_calls(test_sources, prop.functions[:1], MAX_INPUTS)
                      if len(args) == 1] or inputs
        if not inputs:
            continue
        tests.append(TestCase(name=prop.test_name, code=_render(prop, inputs),
                              source="property", vetted=True))
    return tests


def describe(properties: list[StatedProperty], tests: list[TestCase]) -> str:
    """The properties that got a test, in words, for the run's notes."""
    written = {test.name for test in tests}
    return "; ".join(p.words for p in properties if p.test_name in written)
