"""``Draw``: one candidate a generation step produced, and how it was drawn.

The steps return it on their prediction (``prediction.draw``) so the reward that records the
candidate reads typed facts, not optional prediction fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Stage = Literal["generate", "refine", "rewrite", "sample"]


@dataclass(frozen=True)
class Draw:
    """Raw model code (assembled with the prompt later), its reasoning, the step that wrote
    it, why earlier draws of this rollout were rejected, whether a crash was repaired, and
    whether a sample of a planned task was drawn without the plan."""

    code: str
    stage: Stage
    reasoning: str = ""
    redraw_reasons: tuple[str, ...] = ()
    crash_repaired: bool = False
    without_plan: bool = False
