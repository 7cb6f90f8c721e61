"""The Coder pipeline's enumerated settings, in one DSPy-free module.

``program.Coder`` validates its arguments against these, and the command-line flags
(``commands/pipeline_options.py``) offer them as choices without importing DSPy.

Example:
    >>> ROUTINGS
    ('auto', 'simple', 'complex')
    >>> REFINE_STRATEGIES
    ('alternate', 'repair', 'rewrite')
"""

from __future__ import annotations

from typing import Literal, get_args

Routing = Literal["auto", "simple", "complex"]
RefineStrategy = Literal["alternate", "repair", "rewrite"]

ROUTINGS: tuple[str, ...] = get_args(Routing)
REFINE_STRATEGIES: tuple[str, ...] = get_args(RefineStrategy)
