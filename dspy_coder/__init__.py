"""dspy-coder: iterative, test-driven code generation as a compilable DSPy program.

Example:
    >>> import dspy
    >>> from dspy_coder import Coder, make_lm
    >>> dspy.configure(lm=make_lm("local:qwen2.5-coder-1.5b"))     # doctest: +SKIP
    >>> coder = Coder(max_iterations=3)                              # doctest: +SKIP
    >>> report = coder(prompt="def add(a, b):  # add(1, 2) == 3").report  # doctest: +SKIP
"""

from dspy_coder import (
    _env,  # noqa: F401  (must run before litellm/mlflow are imported)
    thread_safe_ast,
)
from dspy_coder.errors import DspyCoderError, RunError, SetupError, UsageError
from dspy_coder.types import DevelopmentReport, ExecutionResult, Task

__version__ = "0.1.0"

thread_safe_ast.install()  # Python 3.11's ast.parse is not safe in threads (gh-106905)

__all__ = [
    "Coder",
    "CoderConfig",
    "DevelopmentReport",
    "DspyCoderError",
    "ExecutionResult",
    "RunError",
    "SetupError",
    "Task",
    "UsageError",
    "make_lm",
]


def __getattr__(name: str):  # lazy: keep `import dspy_coder` light
    if name == "Coder":
        from dspy_coder.pipeline.coder import Coder

        return Coder
    if name == "CoderConfig":
        from dspy_coder.pipeline.config import CoderConfig

        return CoderConfig
    if name == "make_lm":
        from dspy_coder.lm import make_lm

        return make_lm
    raise AttributeError(name)
