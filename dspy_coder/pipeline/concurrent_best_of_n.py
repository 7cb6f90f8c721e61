"""``ConcurrentBestOfN``: ``dspy.BestOfN`` whose draws run together when all are wanted;
``beside``: a first draft written while its tests are.

A sampling round without docstring examples draws every candidate (agreement among them is
the evidence), so nothing is saved by drawing them one after another; a local model started
with ``parallel`` > 1 decodes several answers in the time of about 1.3 (``batching``). The
draws run on ``concurrency`` daemon threads, each with the caller's DSPy settings, and the
rewards are then given one at a time in rollout order, so what the reward records (the
attempts, their order) and the prediction returned are what ``dspy.BestOfN`` gives: each draw
has its own rollout id, and a greedy or seeded answer does not depend on what else is decoded.

A reachable threshold keeps BestOfN's one-at-a-time loop: it stops at the first draw that
clears it, and a draw made ahead of that would be spent for nothing.
"""

from __future__ import annotations

import contextvars
import logging
import math
import queue
from collections.abc import Callable
from typing import Any, TypeVar

import dspy

from dspy_coder.daemon_pool import DaemonPool

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ConcurrentBestOfN(dspy.BestOfN):
    """``dspy.BestOfN`` (same arguments) plus ``concurrency``: how many draws may be in
    flight at once when every draw is made anyway (``threshold`` infinite)."""

    def __init__(self, module: dspy.Module, N: int, reward_fn: Any,  # noqa: N803
                 threshold: float, fail_count: int | None = None,
                 concurrency: int = 1) -> None:
        super().__init__(module, N, reward_fn, threshold, fail_count)
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.concurrency = concurrency

    def forward(self, **kwargs: Any) -> dspy.Prediction | None:
        if self.concurrency == 1 or self.N == 1 or not math.isinf(self.threshold):
            return super().forward(**kwargs)
        lm = self.module.get_lm() or dspy.settings.lm
        start = lm.kwargs.get("rollout_id", 0)
        outcomes = self._draw_all(lm, [start + i for i in range(self.N)], kwargs)
        best_pred, best_trace, best_reward = None, None, -float("inf")
        fail_count = self.fail_count
        for idx, outcome in enumerate(outcomes):
            if isinstance(outcome, BaseException):
                # dspy.BestOfN's rule: failures are tolerated until they outnumber fail_count
                logger.warning("BestOfN: attempt %d failed with rollout id %d: %s",
                               idx + 1, start + idx, outcome)
                if idx > fail_count:
                    raise outcome
                fail_count -= 1
                continue
            pred, trace = outcome
            reward = self.reward_fn(kwargs, pred)
            if reward > best_reward:
                best_reward, best_pred, best_trace = reward, pred, trace
        if best_trace:
            dspy.settings.trace.extend(best_trace)
        return best_pred

    def _draw_all(self, lm: dspy.LM, rollout_ids: list[int],
                  kwargs: dict[str, Any]) -> list[Any]:
        """Each rollout's ``(prediction, trace)`` or the exception it raised, in order."""

        def draw(module: dspy.Module) -> tuple[dspy.Prediction, list]:
            with dspy.context(trace=[]):
                prediction = module(**kwargs)
                return prediction, dspy.settings.trace.copy()

        calls = []
        for rollout_id in rollout_ids:
            module = self.module.deepcopy()
            module.set_lm(lm.copy(rollout_id=rollout_id, temperature=1.0))
            calls.append(lambda module=module: draw(module))
        return _start(calls, self.concurrency)()


def beside(first: Callable[[], T], second: Callable[[], Any], together: bool) -> T:
    """Run ``second`` while ``first`` runs on a daemon thread (with the caller's DSPy settings),
    or one after the other unless ``together``; returns ``first``'s result, and raises its
    exception after ``second`` is done. The code and the tests of a first draft are written
    from the task independently, so a local model with free slots decodes them together."""
    if not together:
        result = first()
        second()
        return result
    wait = _start([first], 1)
    second()
    [outcome] = wait()
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _start(calls: list[Callable[[], Any]], workers: int) -> Callable[[], list[Any]]:
    """Start ``calls`` on at most ``workers`` daemon threads, each in a copy of the caller's
    context (its DSPy settings, usage tracker and event sinks; one ``Context`` cannot be
    entered by two threads). Returns ``wait``: each call's result or the exception it raised,
    in order; an interrupted wait drops the calls not started."""
    outcomes: list[Any] = [None] * len(calls)
    finished: queue.SimpleQueue[int] = queue.SimpleQueue()
    pool = DaemonPool(min(workers, len(calls)), "concurrent-draws")

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            outcomes[index] = call()
        except BaseException as exc:  # handed to the caller's thread
            outcomes[index] = exc
        finally:
            finished.put(index)

    for index, call in enumerate(calls):
        pool.submit(contextvars.copy_context().run, run, index, call)

    def wait() -> list[Any]:
        try:
            for _ in calls:
                finished.get()
        finally:
            pool.stop()
        return outcomes

    return wait
