"""The worker's half of ``optimize --ray``: run one candidate program on one example.

A Ray task gets the candidate's state (``dump_state()``, JSON-able), the LM in effect at the
call, the example's inputs and the example's tests. It rebuilds the program with
``make_program(kind, options)`` and loads the state (kept for the next run of the same
candidate on this worker), runs it with a fresh DSPy trace, runs the example's tests on the
produced code in the sandbox exactly as ``SandboxMetric`` would, and sends back the prediction,
the trace (predictors by name, since the driver's predictor objects are not here), the
sandbox result and the LM calls per model. The metric's arithmetic stays on the driver. When
the driver answers LM calls from a resumable compile's replay cache (``resume.py``), the
worker uses the same folder, and says how many calls it answered.

Example:
    >>> spec = ProgramSpec(kind="baseline", options={})
    >>> spec.key
    'baseline {}'
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError

from dspy_coder.optimizers.progress import LMCallCounter
from dspy_coder.types import ExecutionResult

logger = logging.getLogger(__name__)

PROGRAMS_KEPT = 8  # loaded candidates kept per worker process (a trial scores one on many)
RESULTS_KEPT = 4096  # sandbox results kept per worker process, as the metric's own cache


@dataclass(frozen=True)
class ProgramSpec:
    """What every run of one compile shares: the program factory's arguments and the
    sandbox the metric uses (``sandbox`` None: the real one; ``limits`` as the metric's)."""

    kind: str
    options: dict[str, Any]
    sandbox: Any = None
    limits: Any = None

    @property
    def key(self) -> str:
        return f"{self.kind} {json.dumps(self.options, sort_keys=True, default=str)}"


@dataclass
class TraceStep:
    """One ``(predictor, inputs, outputs)`` entry of a DSPy trace, the predictor by name.

    ``predictor`` is the name of one of the program's predictors; for a copy (``dspy.BestOfN``
    and ``dspy.Refine`` run deep copies) it is None and ``same_signature_as`` names a predictor
    whose signature equals the copy's (None when none does)."""

    predictor: str | None
    same_signature_as: str | None
    inputs: dict[str, Any]
    outputs: Any


@dataclass
class RunOutcome:
    """What a worker sends back for one program run."""

    prediction: Any = None
    trace: list[TraceStep] = field(default_factory=list)
    sandbox: ExecutionResult | None = None  # the example's tests on prediction.code
    sandbox_key: str = ""
    lm_calls: dict[str, int] = field(default_factory=dict)
    replayed: int = 0  # LM calls the replay cache answered
    parse_error: dict[str, Any] | None = None  # an AdapterParseError, predictor by name


def sandbox_key(code: str, tests: str, entry_point: str | None) -> str:
    """The identity of one sandbox run of the metric."""
    return hashlib.sha256(f"{entry_point}\0{tests}\0{code}".encode()).hexdigest()


_lock = threading.Lock()
_programs: OrderedDict[tuple[str, str], dspy.Module] = OrderedDict()
_results: OrderedDict[str, ExecutionResult] = OrderedDict()
_replays: dict[str, Any] = {}  # replay caches by folder, opened once per worker process


@contextmanager
def _replaying(directory: str | None) -> Iterator[Any]:
    """DSPy's cache is the compile's replay cache in ``directory`` for the block (None: left
    as it is). A folder this machine lacks is made: its calls are kept there, not replayed."""
    if directory is None:
        yield None
        return
    from dspy_coder.optimizers.resume import ReplayCache

    with _lock:
        cache = _replays.get(directory)
        if cache is None:
            cache = _replays[directory] = ReplayCache(Path(directory))
    module = vars(dspy)
    had_cache, previous = "cache" in module, module.get("cache")
    dspy.cache = cache
    try:
        yield cache
    finally:
        if had_cache:
            dspy.cache = previous
        else:
            module.pop("cache", None)


def _program(spec: ProgramSpec, fingerprint: str, state: dict[str, Any]) -> dspy.Module:
    from dspy_coder.pipeline.programs import make_program

    key = (spec.key, fingerprint)
    with _lock:
        program = _programs.get(key)
        if program is not None:
            _programs.move_to_end(key)
            return program
    program = make_program(spec.kind, spec.options)
    program.load_state(state)
    with _lock:
        _programs[key] = program
        while len(_programs) > PROGRAMS_KEPT:
            _programs.popitem(last=False)
    return program


def _portable_trace(trace: list[Any], program: dspy.Module) -> list[TraceStep]:
    named = list(program.named_predictors())
    names = {id(predictor): name for name, predictor in named}
    steps = []
    for predictor, inputs, outputs in trace:
        name = names.get(id(predictor))
        twin = None
        if name is None:
            twin = next((n for n, p in named if p.signature.equals(predictor.signature)), None)
        steps.append(TraceStep(name, twin, dict(inputs), outputs))
    return steps


def _grade(spec: ProgramSpec, code: Any, test: str | None, entry_point: str | None
           ) -> tuple[ExecutionResult | None, str]:
    """The metric's sandbox run, done here; none when the metric would not run one."""
    if test is None or not isinstance(code, str) or not code.strip():
        return None, ""
    key = sandbox_key(code, test, entry_point)
    with _lock:
        cached = _results.get(key)
    if cached is not None:
        return cached, key
    if spec.sandbox is not None:
        runner = spec.sandbox
    else:
        from dspy_coder.optimizers.metric import default_runner

        runner = default_runner()
    result = runner(code, tests=test, entry_point=entry_point, limits=spec.limits)
    with _lock:
        _results[key] = result
        while len(_results) > RESULTS_KEPT:
            _results.popitem(last=False)
    return result, key


def run_candidate(
    spec: ProgramSpec,
    fingerprint: str,
    state: dict[str, Any],
    predictor_lms: dict[str, Any],
    settings: dict[str, Any],
    inputs: dict[str, Any],
    test: str | None,
    replay_dir: str | None = None,
) -> RunOutcome:
    """Run the candidate ``state`` on ``inputs`` under ``settings`` (the driver's LM, adapter,
    usage tracking) and grade its code with ``test`` (None: the metric does not know the
    example); ``replay_dir`` is the driver's replay cache. Exceptions other than an
    unparseable answer propagate to the driver."""
    program = _program(spec, fingerprint, state)
    for name, predictor in program.named_predictors():
        predictor.lm = predictor_lms.get(name)
    counter = LMCallCounter()
    outcome = RunOutcome()
    with _replaying(replay_dir) as replay, dspy.context(
        **settings, trace=[], callbacks=[*dspy.settings.callbacks, counter]
    ):
        hits_before = replay.hits if replay is not None else 0
        try:
            outcome.prediction = program(**inputs)
        except AdapterParseError as exc:
            failed = next((n for n, p in program.named_predictors()
                           if p.signature == exc.signature), None)
            if failed is None:
                raise
            outcome.parse_error = {"adapter_name": exc.adapter_name, "predictor": failed,
                                   "lm_response": exc.lm_response,
                                   "parsed_result": exc.parsed_result}
        outcome.trace = _portable_trace(dspy.settings.trace, program)
        outcome.replayed = replay.hits - hits_before if replay is not None else 0
    outcome.lm_calls = dict(counter.calls)
    if outcome.prediction is not None:
        code = getattr(outcome.prediction, "code", None)
        outcome.sandbox, outcome.sandbox_key = _grade(spec, code, test, inputs.get("entry_point"))
    return outcome
