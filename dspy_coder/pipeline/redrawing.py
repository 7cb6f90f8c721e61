"""Draw a candidate again, with another seed, when it is known to be useless.

A candidate is drawn under the LM its module was given (``dspy.BestOfN`` and ``dspy.Refine``
give each rollout its own id at temperature 1.0; a seeded local model turns the id into a
seed). When the caller's check rejects the candidate (it is a stub, or a program already
tried), the module draws again under a copy of that LM with a rollout id far from the
rounds' own ids (0, 1, 2, ...), so no two draws share a seed, up to ``redraws`` times. The
last draw is kept even if rejected: it is recorded and scored like any other.

Example:
    >>> result, reasons = redraw_while(step, lambda k: step(**inputs), rejection,
    ...                                redraws=2)                         # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import dspy

# Redraw rollout ids: far from the rounds' own (0, 1, 2, ...) so that no two draws share a seed.
REDRAW_STRIDE = 1000
# Rollout ids of a per_method repair's other draws of one method (class_repair): apart from the
# rounds' own and the redraws' (multiples of REDRAW_STRIDE).
SAMPLE_STRIDE = 100

Result = TypeVar("Result")


def rollout_slot(module: dspy.Module) -> int:
    """The rollout id of the LM ``module`` calls (``dspy.BestOfN`` gives each draw its own)."""
    lm = module.get_lm() or dspy.settings.lm
    return int(lm.kwargs.get("rollout_id") or 0) if lm is not None else 0


def redraw_while(
    module: dspy.Module,
    draw: Callable[[int], Result],
    rejection: Callable[[Result], str | None],
    redraws: int,
) -> tuple[Result, list[str]]:
    """``draw(k)`` for k = 0, 1, ... (k = how many were rejected before) until ``rejection``
    returns None or ``redraws`` redraws are spent.

    Returns the last result and the reasons the earlier ones were rejected, in order."""
    lm = module.get_lm() or dspy.settings.lm
    slot = rollout_slot(module)
    result = draw(0)
    reasons: list[str] = []
    while lm is not None and len(reasons) < redraws and (reason := rejection(result)):
        reasons.append(reason)
        module.set_lm(lm.copy(rollout_id=slot + REDRAW_STRIDE * len(reasons), temperature=1.0))
        result = draw(len(reasons))
    return result, reasons
