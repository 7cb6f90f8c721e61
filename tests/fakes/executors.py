"""Fake sandbox pieces for unit tests: an executor and a ProgramOfThought interpreter."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from dspy.primitives.code_interpreter import CodeExecutionError

from dspy_coder.task.module_attributes import RUN_WITH_CANDIDATE
from dspy_coder.types import ExecutionResult, TestOutcome

Behaviour = Callable[[str, str], tuple[bool, str]]
"""(code, test_name) -> (passed, failure message)."""


class FakeExecutor:
    """Decides each test's outcome with ``behaviour``; records every call. The check that the
    code reads only attributes its modules have passes: the scripted candidates read none
    (the real sandbox runs it in ``tests/pipeline/test_context_code.py``)."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.calls: list[tuple[str, str | None]] = []

    def __call__(
        self,
        code: str,
        tests: str | None = None,
        entry_point: str | None = None,
        limits: object | None = None,
    ) -> ExecutionResult:
        self.calls.append((code, tests))
        names = re.findall(r"^def (test_\w+)\(", tests or "", re.M)
        outcomes = []
        for name in names:
            passed, message = ((True, "") if name in RUN_WITH_CANDIDATE
                               else self.behaviour(code, name))
            outcomes.append(
                TestOutcome(name=name, passed=passed, message="" if passed else message)
            )
        status = "passed" if all(o.passed for o in outcomes) else "failed"
        return ExecutionResult(status=status, tests=outcomes, duration_s=0.01, peak_memory_mb=10.0)


class FakeInterpreter:
    """CodeInterpreter that accepts everything, or fails code containing ``fail_marker``."""

    def __init__(
        self,
        fail_marker: str | None = None,
        message: str = "AssertionError: Docstring examples failed:\nf(1) returned 0, expected 1",
    ) -> None:
        self.fail_marker = fail_marker
        self.message = message
        self.executed: list[str] = []

    @property
    def tools(self) -> dict[str, Callable[..., Any]]:
        return {}

    def start(self) -> None:
        pass

    def execute(self, code: str, variables: dict[str, Any] | None = None) -> Any:
        self.executed.append(code)
        if self.fail_marker and self.fail_marker in code:
            raise CodeExecutionError(self.message)
        return None

    def shutdown(self) -> None:
        pass


def no_profiler(code: str, entry_point: str, make_input: str) -> None:
    return None
