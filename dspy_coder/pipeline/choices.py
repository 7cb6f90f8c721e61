"""The Coder pipeline's enumerated choices, in one DSPy-free module.

``config.CoderConfig`` validates against these, and the command-line flags offer them.

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
ClassStrategy = Literal["whole", "per_method"]

ROUTINGS: tuple[str, ...] = get_args(Routing)
REFINE_STRATEGIES: tuple[str, ...] = get_args(RefineStrategy)
CLASS_STRATEGIES: tuple[str, ...] = get_args(ClassStrategy)
