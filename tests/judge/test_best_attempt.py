"""Among attempts the evidence cannot tell apart, the one returned writes every function the
task asks for: a draft that leaves a method a docstring is not preferred for coming first."""

import dspy

from dspy_coder.judge.evaluation import CandidateEvaluator
from dspy_coder.judge.run_record import AttemptScoring, RunRecord
from dspy_coder.sandbox import run as sandbox_run
from dspy_coder.sandbox.limits import Limits
from dspy_coder.task.build import build_task

SKELETON = '''class Parser:
    """Parses a command line."""

    def __init__(self):
        self.arguments = {}

    def parse(self, line):
        """Store every --key=value of line in self.arguments."""

    def get(self, key):
        """The value stored for key, or None."""
'''
# ClassEval_2's first draft: the method writer left parse as its docstring
STUB = SKELETON.replace('"""The value stored for key, or None."""',
                        '"""The value stored for key, or None."""\n        '
                        'return self.arguments.get(key)')
WRITTEN = STUB.replace('"""Store every --key=value of line in self.arguments."""',
                       '"""Store every --key=value of line in self.arguments."""\n        '
                       'for word in line.split():\n            if word.startswith("--"):\n'
                       '                key, _, value = word[2:].partition("=")\n'
                       '                self.arguments[key] = value')
BROKEN = WRITTEN.replace("for word in line.split():", "for word in line.split(:")


def _best(*codes: str):
    task = build_task(SKELETON, "Parser")
    with dspy.track_usage() as tracker:
        record = RunRecord(task, tracker, AttemptScoring())
        record.set_tests([])
        evaluator = CandidateEvaluator(sandbox_run, Limits(timeout_s=10))
        for number, code in enumerate(codes, start=1):
            record.add_attempt(evaluator.evaluate(record, code, number, "sample"))
        return record.best(), record


def test_a_candidate_that_writes_every_method_beats_an_earlier_one_that_leaves_one_unwritten():
    best, record = _best(STUB, WRITTEN)
    assert [a.checked for a in record.attempts] == [False, False]  # nothing tells them apart
    assert [a.score for a in record.attempts] == [0.0, 0.0]
    assert best.code == WRITTEN


def test_code_that_does_not_parse_ranks_below_a_stub_and_the_earlier_wins_a_true_tie():
    best, _ = _best(BROKEN, STUB)
    assert best.code == STUB
    best, _ = _best(WRITTEN, WRITTEN.replace("word", "token"))
    assert best.code == WRITTEN
