"""On the real 0.5B model, the ``examples`` gate: the test writer's asserts for a task without
examples come out as readable ``f(x) == y`` proposals, and the person's corrected lines become
the task's examples that the coder is shown and every candidate is run against."""

from __future__ import annotations

import dspy
import pytest

from dspy_coder.lm import make_lm
from dspy_coder.pipeline.approval import Approval, ApprovalRequest, Decision
from dspy_coder.pipeline.coder import Coder
from dspy_coder.task.confirmed_examples import unreadable_units
from tests.fakes.scripted_lm import all_prompts, history_mark, lm_calls_since
from tests.pipeline.test_real_concurrent_draws import TASK

OURS = ["count_vowels('Hello') == 2", "count_vowels('AEIOU xyz') == 5", "count_vowels('') == 0"]


@pytest.mark.real_model
def test_the_person_s_examples_replace_the_model_s_reading():
    shown: list[ApprovalRequest] = []

    def person(request: ApprovalRequest) -> Decision:
        shown.append(request)
        return Decision(verdict="edit", edited="\n".join(OURS))

    lm = make_lm("local:qwen2.5-coder-0.5b", seed=0, cache=False)
    mark = history_mark()
    with dspy.context(lm=lm, track_usage=True):
        report = Coder(max_iterations=2, drafts=0, routing="simple",
                       approval=Approval(person, ("examples",), by="test"))(
            prompt=TASK, entry_point="count_vowels").report

    assert [r.gate for r in shown] == ["examples"]
    proposed = [line.split("] ", 1)[1].strip() for line in shown[0].text.splitlines()
                if line.strip().startswith("[") and "] count_vowels(" in line]
    assert proposed, shown[0].text  # the real test writer's asserts read as examples
    assert unreadable_units(TASK, "count_vowels", proposed) == []
    assert [f"{e.call} == {e.expected}" for e in report.task.examples] == OURS
    assert "count_vowels('AEIOU xyz') == 5" in all_prompts(lm_calls_since(mark)[-1:])
    docstring_tests = [t for t in report.tests if t.source == "docstring"]
    assert len(docstring_tests) == 3 and all(t.vetted for t in docstring_tests)
    for attempt in report.attempts:  # every candidate was judged by the person's examples
        assert {t.name for t in docstring_tests} <= {o.name for o in attempt.execution.tests}
    if report.status == "success":  # then it really meets them
        namespace: dict = {}
        exec(report.code, namespace)  # noqa: S102 - the model's answer, in a test
        assert [namespace["count_vowels"](s) for s in ("Hello", "AEIOU xyz", "")] == [2, 5, 0]
