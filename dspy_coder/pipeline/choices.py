"""The Coder pipeline's enumerated settings and defaults, in one DSPy-free module.

``coder.Coder`` validates its arguments against these, and the command-line flags
(``commands/pipeline_options.py``) offer them as choices without importing DSPy.

Example:
    >>> ROUTINGS
    ('auto', 'simple', 'complex')
    >>> REFINE_STRATEGIES
    ('alternate', 'repair', 'rewrite')
"""

from __future__ import annotations

from typing import Any, Literal, get_args

Routing = Literal["auto", "simple", "complex"]
RefineStrategy = Literal["alternate", "repair", "rewrite"]

ROUTINGS: tuple[str, ...] = get_args(Routing)
REFINE_STRATEGIES: tuple[str, ...] = get_args(RefineStrategy)

# ``Coder.__init__`` defaults, stated here (not imported) so building the parser does not
# import DSPy; tests/commands/test_pipeline_options.py checks they match the signature.
PIPELINE_DEFAULTS: dict[str, Any] = {
    "max_iterations": 4,
    "threshold": 0.95,
    "routing": "auto",
    "refine_attempts": 1,
    "refine_strategy": "repair",
    "drafts": 4,
    "use_plan": True,
    "use_tests": True,
    "use_refine": True,
}
