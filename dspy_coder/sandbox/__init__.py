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
    "IsolatedProcess",
    "Limits",
    "isolation_report",
    "kill_tree",
    "run",
    "shutdown",
    "spawn_isolated",
]


def __getattr__(name: str):  # executor is imported lazily: importing the package stays cheap
    if name in ("run", "shutdown"):
        from dspy_coder.sandbox import executor

        return getattr(executor, name)
    raise AttributeError(name)
