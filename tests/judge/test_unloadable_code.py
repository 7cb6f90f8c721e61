"""Code that fails before any test runs (a syntax error, an import that fails) has passed no
check: the checks decided from its source alone must not turn it into a pass."""

import dspy

from dspy_coder.judge import scoring
from dspy_coder.judge.evaluation import CandidateEvaluator
from dspy_coder.judge.feedback import ALL_PASSED, format_failures
from dspy_coder.judge.run_record import AttemptScoring, RunRecord
from dspy_coder.sandbox import run as sandbox_run
from dspy_coder.sandbox.limits import Limits
from dspy_coder.task.build import build_task
from dspy_coder.task.requirements import requirement_tests, stated_requirements

TASK = "Write a class Stack with push(x) and pop()."
BROKEN = "class Stack:\n    def push(self, x):\n        self.items.append(x\n    def pop(self):\n"


def _result_of(code: str):
    task = build_task(TASK)
    with dspy.track_usage() as tracker:
        record = RunRecord(task, tracker, AttemptScoring())
        record.set_tests(requirement_tests(stated_requirements(task.prompt, None), True))
        evaluator = CandidateEvaluator(sandbox_run, Limits(timeout_s=10))
        return evaluator.run_tests(record, code), record


def test_code_that_does_not_parse_passes_no_check_and_its_feedback_says_why():
    result, record = _result_of(BROKEN)
    assert result.status == "error"
    assert result.tests and not any(t.passed for t in result.tests)
    counted = {t.name for t in record.tests}
    assert scoring.test_pass_rate(result, counted) == 0.0
    feedback = format_failures(result, counted)
    assert feedback != ALL_PASSED
    assert "SyntaxError" in feedback or "never closed" in feedback


def test_code_that_loads_is_still_judged_from_its_source():
    result, _ = _result_of("class Stack:\n    def push(self, x):\n        pass\n"
                           "    def pop(self):\n        return None\n")
    assert result.status == "passed" and all(t.passed for t in result.tests)
