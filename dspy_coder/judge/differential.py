"""Differential testing: run every candidate on the same inputs and compare what it returns.

Without docstring examples nothing says what the right output is, but candidates written
independently that return the same values on the same inputs vouch for each other, and a split
shows a disputed reading of the task (as in MBR-exec and CodeT). The inputs are the literal
arguments the generated tests call the function with, and ``make_input(n)`` for small ``n``
(seeded, so every candidate sees the same values). One extra sandbox run per candidate prints
its outputs, normalised (floats to 9 significant digits, long values cut with a digest), on
one marked line; the candidate's own printing is ignored. A candidate that hangs or crashes on
them has no outputs, and no say.

Example:
    >>> probe = probe_source("double", [(1,), (2,)], None)
    >>> read_outputs('noise\\n' + OUTPUT_MARKER + '["2", "4"]\\n')
    ('2', '4')
"""

from __future__ import annotations

import json

from dspy_coder.types import ExecutionResult

OUTPUT_MARKER = "@@dspy-coder-outputs@@"
PROBE_TEST = "test_dspy_coder_outputs"
MAKE_INPUT_SIZES = (1, 2, 3, 5)
RAISES_PREFIX = "raises "  # an output that is an exception: "raises ValueError"

_PROBE = '''
def {test}():
    import copy as _copy, hashlib as _hashlib, json as _json, random as _random

    def _norm(value):
        if isinstance(value, float):
            return float(f"{{value:.9g}}")
        if isinstance(value, (list, tuple)):
            return type(value)(_norm(v) for v in value)
        if isinstance(value, dict):
            return {{k: _norm(v) for k, v in value.items()}}
        return value

    def _shown(value):
        text = repr(_norm(value))
        if len(text) <= 160:
            return text
        return text[:120] + "...#" + _hashlib.sha256(text.encode()).hexdigest()[:12]

    _inputs = {inputs!r}
    _source = {make_input!r}
    if _source:
        _space = {{}}
        try:
            exec(_source, _space)
            _make = _space["make_input"]
        except Exception:
            _make = None
        for _n in {sizes!r}:
            _random.seed(_n)
            try:
                _args = _make(_n) if _make else None
            except Exception:
                continue
            if _args is not None:
                _inputs.append(_args if isinstance(_args, tuple) else (_args,))
    _outputs = []
    for _args in _inputs:
        _random.seed(0)
        try:
            _outputs.append(_shown({entry_point}(*_copy.deepcopy(_args))))
        except Exception as _error:
            _outputs.append({raises!r} + type(_error).__name__)
    print("\\n{marker}" + _json.dumps(_outputs), flush=True)
'''


def probe_source(entry_point: str, inputs: list[tuple], make_input: str | None) -> str:
    """A test function that prints ``entry_point``'s outputs on ``inputs`` (and on
    ``make_input(n)`` for the sizes above) on one line marked ``OUTPUT_MARKER``."""
    return _PROBE.format(test=PROBE_TEST, inputs=list(inputs), make_input=make_input or "",
                         sizes=MAKE_INPUT_SIZES,
                         entry_point=entry_point, marker=OUTPUT_MARKER, raises=RAISES_PREFIX)


def read_outputs(stdout: str) -> tuple[str, ...] | None:
    """The outputs a probe run printed; None when it printed none (it crashed, or the code
    did not import)."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(OUTPUT_MARKER):
            try:
                outputs = json.loads(line.removeprefix(OUTPUT_MARKER))
            except json.JSONDecodeError:
                return None
            return tuple(str(o) for o in outputs) if isinstance(outputs, list) else None
    return None


def outputs_of(result: ExecutionResult) -> tuple[str, ...] | None:
    """The outputs of a finished probe run."""
    return read_outputs(result.stdout) if result.status in ("passed", "failed") else None
