"""``optimize --ray``: every program run of a compile is a Ray task; the optimizer stays here.

The costly part of a compile is running a candidate program on an example and scoring its
code in the sandbox. ``RayRuns`` makes those runs Ray tasks at the narrowest seam every DSPy
optimizer goes through: the program call. The student is built by ``RayRuns.program``, an
instance of its own class whose ``forward`` sends the candidate's state (``dump_state()``),
the LM in effect and the example's inputs to a worker (``ray_worker.run_candidate``). The
worker rebuilds the program with ``make_program``, runs it (its LM calls go to the shared
model server), runs the example's tests on the code in the sandbox, and sends back the
prediction, the DSPy trace and the sandbox result. Here the optimizer sees an ordinary call:

- the prediction is returned, and the trace is replayed onto this program's own predictors
  (BootstrapFewShot keeps demos from it, GEPA reflects on it, SIMBA reads it);
- the metric still runs here, unchanged, and its sandbox call is answered with the worker's
  result (``RayRuns.runner``), so scores and GEPA's feedback are those of one process;
- the workers' LM calls are credited to the compile's call counters, including the per-run
  count ``--call-penalty`` charges for, and calls a resumed compile replays from its cache
  (the workers use the same cache folder) to its replay count.

The optimizer's own LM calls (MIPROv2's proposals, GEPA's reflection) are made here. With
``--threads N`` the optimizer keeps N runs in flight, as it keeps N threads busy without Ray.

Example:
    >>> with runs_on_ray(RayTarget(), kind="baseline", options={},
    ...                  problems=problems, seed=0) as hooks:          # doctest: +SKIP
    ...     compile_program("baseline", ..., **hooks)
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError

from dspy_coder.bench.ray_cluster import RayTarget, connected
from dspy_coder.datasets import Problem
from dspy_coder.errors import RunError
from dspy_coder.optimizers.data import held_out_problems
from dspy_coder.optimizers.pool import ProblemPool, as_pool
from dspy_coder.optimizers.progress import LMCallCounter, state_fingerprint
from dspy_coder.optimizers.ray_worker import ProgramSpec, RunOutcome, run_candidate, sandbox_key
from dspy_coder.optimizers.resume import ReplayCache
from dspy_coder.optimizers.run_calls import RunCallCounter
from dspy_coder.pipeline.programs import make_program
from dspy_coder.types import ExecutionResult

logger = logging.getLogger(__name__)

MAX_RETRIES = 1  # a run lost with its worker is run once more
STATES_KEPT = 64  # candidate states kept in the object store


class RayRunLost(RuntimeError):
    """A program run whose worker was lost twice: to the optimizer, a run that raised."""


class RayRuns:
    """Runs the candidates of one compile on Ray (``ray`` initialised by the caller).

    Args:
        ray: the initialised ``ray`` module.
        spec: the program factory's arguments and the metric's sandbox (``ProgramSpec``).
        tests: the hidden tests the metric may use, by task id (train and dev problems only).
        cpus_per_run: Ray CPUs each run reserves.
    """

    def __init__(self, ray: Any, spec: ProgramSpec, tests: Mapping[str, str],
                 cpus_per_run: float = 1.0) -> None:
        self._ray = ray
        self.spec = spec
        self._tests = dict(tests)
        self._task = ray.remote(num_cpus=cpus_per_run, max_retries=MAX_RETRIES,
                                retry_exceptions=False)(run_candidate)
        self._spec_ref = ray.put(spec)
        self._states: OrderedDict[str, Any] = OrderedDict()
        self._results: dict[str, ExecutionResult] = {}
        self._lock = threading.Lock()
        self.closed = False
        self.runs = 0
        self.sandbox_answers = 0

    # -- the two hooks of compile_program ----------------------------------------------------
    def program(self, kind: str, options: dict[str, Any] | None = None) -> dspy.Module:
        """A fresh ``kind`` program whose calls run on Ray (``program_factory``). Its class
        has the name, module and source of the real one, so MIPROv2's proposer sees the same
        program source, and its state is the real program's."""
        program = make_program(kind, options)
        if (kind, dict(options or {})) != (self.spec.kind, self.spec.options):
            raise RunError(f"RayRuns was built for {self.spec.key}, not for {kind} {options}.")
        base = type(program)
        remote = type(base.__name__, (base,), {
            "forward": _remote_forward, "_ray_runs": self,
            "__module__": base.__module__, "__qualname__": base.__qualname__,
            "__doc__": base.__doc__,
        })
        program.__class__ = remote
        return program

    def runner(self, code: str, *, tests: str, entry_point: str | None, limits: Any = None
               ) -> ExecutionResult:
        """The metric's sandbox (``runner``): the worker's result for this code and tests,
        else (a prediction that did not come from a worker) a run here."""
        with self._lock:
            result = self._results.get(sandbox_key(code, tests, entry_point))
            if result is not None:
                self.sandbox_answers += 1
                return result
        runner = self.spec.sandbox
        if runner is None:
            from dspy_coder.optimizers.metric import default_runner

            runner = default_runner()
        return runner(code, tests=tests, entry_point=entry_point, limits=limits)

    # -- one run -------------------------------------------------------------------------------
    def run(self, program: dspy.Module, inputs: dict[str, Any]) -> Any:
        if self.closed:
            raise RunError("This program's Ray session is over; load its state "
                           "(dump_state()) into make_program(...) to run it here.")
        state = program.dump_state()
        predictor_lms = {}
        for name, predictor in program.named_predictors():
            if predictor.lm is not None:
                predictor_lms[name] = _portable_lm(predictor.lm)
                state[name] = {**state[name], "lm": None}
        fingerprint = state_fingerprint(state)
        settings: dict[str, Any] = {"lm": _portable_lm(dspy.settings.lm),
                                    "track_usage": dspy.settings.track_usage}
        if dspy.settings.adapter is not None:
            settings["adapter"] = dspy.settings.adapter
        test = self._tests.get(str(inputs.get("task_id")))
        replay = vars(dspy).get("cache")
        replay_dir = replay.disk_cache_dir if isinstance(replay, ReplayCache) else None
        ref = self._task.remote(self._spec_ref, fingerprint, self._state_ref(fingerprint, state),
                                predictor_lms, settings, inputs, test, replay_dir)
        outcome = self._fetch(ref)
        with self._lock:
            self.runs += 1
            if outcome.sandbox is not None:
                self._results[outcome.sandbox_key] = outcome.sandbox
        _credit_calls(outcome.lm_calls)
        if outcome.replayed and isinstance(replay, ReplayCache):
            replay.count_hits(outcome.replayed)
        _replay(outcome, program)
        if outcome.parse_error is not None:
            error = outcome.parse_error
            raise AdapterParseError(
                adapter_name=error["adapter_name"],
                signature=dict(program.named_predictors())[error["predictor"]].signature,
                lm_response=error["lm_response"], parsed_result=error["parsed_result"])
        return outcome.prediction

    def _state_ref(self, fingerprint: str, state: dict[str, Any]) -> Any:
        with self._lock:
            ref = self._states.get(fingerprint)
            if ref is None:
                ref = self._states[fingerprint] = self._ray.put(state)
                while len(self._states) > STATES_KEPT:
                    self._states.popitem(last=False)
            else:
                self._states.move_to_end(fingerprint)
            return ref

    def _fetch(self, ref: Any) -> RunOutcome:
        ray = self._ray
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as exc:  # the program raised on the worker
            raise exc.as_instanceof_cause() from None
        except ray.exceptions.RayError as exc:  # its worker or node died, twice
            raise RayRunLost(f"A program run's Ray worker was lost twice ({type(exc).__name__}): "
                             f"{str(exc).splitlines()[0][:300]}") from exc
        except BaseException:  # Ctrl-C: the run is not wanted any more
            ray.cancel(ref, force=True)
            raise


def _remote_forward(self: dspy.Module, *args: Any, **kwargs: Any) -> Any:
    if args:
        raise TypeError("A program run on Ray takes keyword inputs only.")
    return type(self)._ray_runs.run(self, kwargs)


def _portable_lm(lm: Any) -> Any:
    """A copy of ``lm`` as it is now (its cache setting too), without its call history and
    callbacks: they stay here."""
    if lm is None:
        return None
    copy = lm.copy()
    copy.callbacks = []
    return copy


def _credit_calls(calls: Mapping[str, int]) -> None:
    """The worker's LM calls, counted by this compile's counters as if made here: per model,
    and for the run in progress in this thread (what ``--call-penalty`` charges for)."""
    for callback in dspy.settings.callbacks or []:
        if isinstance(callback, LMCallCounter):
            callback.add(calls)
        elif isinstance(callback, RunCallCounter):
            callback.add(sum(calls.values()))


_UNMATCHED = dspy.Predict("unmatched_ray_trace_input -> unmatched_ray_trace_output")


def _replay(outcome: RunOutcome, program: dspy.Module) -> None:
    """Append the worker's trace to this thread's DSPy trace with this program's own
    predictors (a copy's step gets a stand-in with the same signature, as a copy is)."""
    trace = dspy.settings.trace
    if trace is None or dspy.settings.max_trace_size <= 0:
        return
    predictors = dict(program.named_predictors())
    for step in outcome.trace:
        if step.predictor is not None:
            predictor = predictors[step.predictor]
        elif step.same_signature_as is not None:
            predictor = dspy.Predict(predictors[step.same_signature_as].signature)
        else:
            predictor = _UNMATCHED
        if len(trace) >= dspy.settings.max_trace_size:
            trace.pop(0)
        trace.append((predictor, step.inputs, step.outputs))


def train_and_dev_tests(problems: Sequence[Problem] | ProblemPool, seed: int
                        ) -> dict[str, str]:
    """The hidden tests a compile's metric may use: every problem outside the held-out split
    of its set."""
    held_out = {p.task_id for p in held_out_problems(problems, seed)}
    return {p.task_id: p.test for p in as_pool(problems).problems if p.task_id not in held_out}


@contextmanager
def runs_on_ray(target: RayTarget, *, kind: str, options: dict[str, Any],
                problems: Sequence[Problem] | ProblemPool, seed: int, threads: int = 1,
                sandbox: Any = None, limits: Any = None) -> Iterator[dict[str, Any]]:
    """Connect to ``target`` for the block and yield the keyword arguments that make a
    compile run its programs there: ``program_factory`` and ``runner``."""
    with connected(target) as ray:
        runs = RayRuns(ray, ProgramSpec(kind, dict(options), sandbox, limits),
                       train_and_dev_tests(problems, seed), target.cpus_per_unit)
        cpus = float(ray.cluster_resources().get("CPU", 1.0))
        logger.info("Ray: program runs of the compile go to %s (%.0f CPUs), %d in flight "
                    "(--threads)", target.describe(), cpus, threads)
        if threads < cpus / target.cpus_per_unit:
            logger.info("Ray: --threads %d keeps %d of the cluster's %.0f CPUs busy where the "
                        "optimizer runs in parallel; --threads %.0f would use them all.",
                        threads, threads, cpus, cpus / target.cpus_per_unit)
        try:
            yield {"program_factory": runs.program, "runner": runs.runner}
        finally:
            runs.closed = True
            logger.info("Ray: %d program runs; %d metric sandbox runs answered by the workers",
                        runs.runs, runs.sandbox_answers)
