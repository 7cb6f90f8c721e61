"""class_strategy="per_method": a class skeleton's first draft is written one method at a time,
each call seeing the methods written before it; the default program is unchanged."""

import dspy

from dspy_coder.pipeline.class_draft import splice_method, unwritten_methods
from dspy_coder.pipeline.coder import Coder
from dspy_coder.sandbox import run as sandbox_run
from tests.fakes.executors import FakeInterpreter, no_profiler
from tests.fakes.scripted_lm import all_prompts, history_mark, lm_calls_since, scripted_lm

SKELETON = '''class Counter:
    """Counts things."""

    def __init__(self):
        self.counts = {}

    def add(self, item):
        """Count one more item.
        >>> c = Counter()
        >>> c.add('a')
        >>> c.total()
        1
        """

    def total(self):
        """How many items were counted.
        >>> Counter().total()
        0
        """
'''
ADD = "def add(self, item):\n    self.counts[item] = self.counts.get(item, 0) + 1\n"
TOTAL = "    def total(self):\n        return sum(self.counts.values())\n"


def test_each_stub_is_asked_for_in_order_and_put_in_its_place():
    assert unwritten_methods(SKELETON, "Counter") == ["add", "total"]  # not __init__
    lm = scripted_lm({"method_code": [ADD, "class Counter:\n" + TOTAL]})
    coder = Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                  profiler=no_profiler, retry_backoff_s=0.0, routing="simple",
                  class_strategy="per_method", max_iterations=1)
    mark = history_mark()
    with dspy.context(lm=lm):
        report = coder(prompt=SKELETON, entry_point="Counter").report
    calls = lm_calls_since(mark)
    assert len(calls) == 2  # one call per method, nothing else: the examples passed
    assert "self.counts[item] = self.counts.get(item, 0) + 1" in all_prompts(calls[1:])
    assert report.status == "success" and len(report.tests) == 2
    assert unwritten_methods(report.code, "Counter") == []


def test_the_default_program_has_no_method_writer():
    names = [name for name, _ in Coder().named_predictors()]
    assert not any("class_drafter" in name for name in names)
    per_method = [name for name, _ in Coder(class_strategy="per_method").named_predictors()]
    assert "generate.class_drafter.write_method" in per_method


def test_an_unreadable_answer_keeps_the_stub():
    assert splice_method(SKELETON, "Counter", "not python (") == SKELETON
    assert unwritten_methods(splice_method(SKELETON, "Counter", ADD), "Counter") == ["total"]
