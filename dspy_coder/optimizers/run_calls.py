"""How many LM calls one program run made, for a metric that charges for them.

``RunCallCounter`` is a DSPy callback: it counts the LM calls made inside each top-level call of
the program (in the same thread, as DSPy runs each example) and tags the returned prediction
with the count (``lm_calls_of``). Cache hits count as calls: a resumed compile that replays its
LM calls from the cache must score a candidate exactly as the first attempt did.

Example:
    >>> counter = RunCallCounter(SingleShot)                         # doctest: +SKIP
    >>> with dspy.context(callbacks=[counter]):                      # doctest: +SKIP
    ...     prediction = program(prompt=..., entry_point=...)
    >>> lm_calls_of(prediction)                                       # doctest: +SKIP
    1
"""

from __future__ import annotations

import threading
from typing import Any

from dspy.utils.callback import BaseCallback

_TAG = "_dspy_coder_lm_calls"  # a private attribute: never part of the prediction's fields


def lm_calls_of(prediction: Any) -> int | None:
    """The LM calls of the run that returned ``prediction`` (None if it was not counted)."""
    return getattr(prediction, _TAG, None)


class RunCallCounter(BaseCallback):
    """Tags each prediction of a ``program_type`` run with the LM calls the run made."""

    def __init__(self, program_type: type) -> None:
        self.program_type = program_type
        self._local = threading.local()

    def _stack(self) -> list[list[Any]]:
        if not hasattr(self._local, "stack"):
            self._local.stack = []
        return self._local.stack

    def add(self, calls: int) -> None:
        """Charge ``calls`` LM calls made elsewhere (a Ray worker's) to this thread's run."""
        stack = self._stack()
        if stack:
            stack[-1][1] += calls

    def on_module_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        if type(instance) is self.program_type:
            self._stack().append([call_id, 0])

    def on_lm_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        stack = self._stack()
        if stack:
            stack[-1][1] += 1

    def on_module_end(self, call_id: str, outputs: Any | None,
                      exception: BaseException | None = None) -> None:
        stack = self._stack()
        if not stack or stack[-1][0] != call_id:
            return
        _, calls = stack.pop()
        if stack:  # a run inside a run (not done by the programs here): charge the outer one
            stack[-1][1] += calls
        if outputs is not None:
            try:
                object.__setattr__(outputs, _TAG, calls)
            except (AttributeError, TypeError):  # e.g. a bare string: nothing to tag
                pass
