"""On the real 0.5B model, the ``questions`` gate: the candidates of the sampling round, written
from a task that leaves a case open ("the middle value" of an even-length list), return
different values on the test writer's inputs; the person is asked which is right, and the
chosen line becomes the task's example that every attempt is run against."""

from __future__ import annotations

import re

import dspy
import pytest

from dspy_coder.lm import make_lm
from dspy_coder.pipeline.approval import Approval, ApprovalRequest, Decision
from dspy_coder.pipeline.coder import Coder

TASK = '''def middle(values: list[int]) -> float:
    """Return the middle value of the list."""
'''
CHOICE = re.compile(r"^\s*\[(\d+)\] (middle\(.*\) == .*?)\s+\((\d+) candidates?\)$")


def _blocks(text: str) -> list[list[tuple[str, str, int]]]:
    """The numbered choices as shown, one list per input asked about."""
    blocks: list[list[tuple[str, str, int]]] = [[]]
    for line in text.splitlines():
        found = CHOICE.match(line)
        if found:
            blocks[-1].append((found[1], found[2], int(found[3])))
        elif blocks[-1] and not line.strip():
            blocks.append([])
    return [b for b in blocks if b]


@pytest.mark.real_model
def test_the_person_s_answer_settles_what_the_candidates_disagree_on():
    shown: list[ApprovalRequest] = []
    picked: list[str] = []

    def person(request: ApprovalRequest) -> Decision:
        shown.append(request)
        number, line, _ = _blocks(request.text)[0][-1]  # the first input's least-held value
        picked.append(line)
        return Decision(verdict="edit", edited=number)

    lm = make_lm("local:qwen2.5-coder-0.5b", seed=0, cache=False)
    with dspy.context(lm=lm, track_usage=True):
        report = Coder(max_iterations=2, drafts=3, routing="simple",
                       approval=Approval(person, ("questions",), by="test"))(
            prompt=TASK, entry_point="middle").report

    assert [r.gate for r in shown] == ["questions"], report.notes
    blocks = _blocks(shown[0].text)
    assert blocks and all(len(block) >= 2 for block in blocks)  # real disagreements only
    for block in blocks:  # each value is held by some of the candidates, most first
        counts = [count for _, _, count in block]
        assert counts == sorted(counts, reverse=True) and min(counts) >= 1
    assert [f"{e.call} == {e.expected}" for e in report.task.examples] == picked
    assert picked[0].split(" == ")[1] in report.task.prompt  # now in the task's docstring
    docstring_tests = [t for t in report.tests if t.source == "docstring"]
    assert len(docstring_tests) == 1 and docstring_tests[0].vetted
    for attempt in report.attempts:  # every candidate was judged by the answer
        assert docstring_tests[0].name in {o.name for o in attempt.execution.tests}
    if report.status == "success":  # then it really returns the chosen value
        namespace: dict = {}
        exec(report.code, namespace)  # noqa: S102 - the model's answer, in a test
        call, expected = picked[0].split(" == ")
        assert eval(call, namespace) == eval(expected)  # noqa: S307 - literals from the test
