"""Sandbox: run untrusted generated code in an isolated, limited process tree.

Example:
    >>> from dspy_coder.sandbox import Limits, run
    >>> result = run("def add(a, b):\\n    return a + b\\n",
    ...              tests="def test_add():\\n    assert add(1, 2) == 3\\n",
    ...              limits=Limits(timeout_s=5, memory_mb=512))
    >>> result.status, result.tests[0].passed
    ('passed', True)

See ``dspy_coder.sandbox.isolation`` for the process-isolation helpers (``spawn_isolated``,
``kill_tree``, ``isolation_report``) that long-lived workers build on.
"""

from dspy_coder.sandbox.isolation import (
    IsolatedProcess,
    isolation_report,
    kill_tree,
    spawn_isolated,
)
from dspy_coder.sandbox.limits import Limits

__all__ = [
    "CallMeasurement",
    "IsolatedProcess",
    "Limits",
    "ProfileResult",
    "SandboxInterpreter",
    "SizePoint",
    "estimate_complexity",
    "fit_models",
    "isolation_report",
    "kill_tree",
    "measure",
    "profile",
    "run",
    "shutdown",
    "spawn_isolated",
]

# Imported lazily (name -> module): importing the package stays cheap.
_LAZY = {
    "run": "executor",
    "shutdown": "executor",
    "SandboxInterpreter": "interpreter",
    "profile": "profiling",
    "measure": "profiling",
    "ProfileResult": "profiling",
    "SizePoint": "profiling",
    "CallMeasurement": "profiling",
    "estimate_complexity": "complexity",
    "fit_models": "complexity",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f"dspy_coder.sandbox.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(name)
