"""The planner and test writer keep a small model's bullet lists and truncated answers."""

import dspy
import pytest
from dspy.utils import DummyLM
from dspy.utils.exceptions import AdapterParseError

from dspy_coder.pipeline.salvaging_adapter import SalvagingChatAdapter, salvaging_adapter
from dspy_coder.pipeline.signatures import CodePlanner
from dspy_coder.pipeline.signatures.tests import TestGenerator
from tests.fakes.scripted_lm import history_mark, lm_calls_since

# The 1.5B model's plan for HumanEval/80, cut off by the 600-token budget mid-repetition.
TRUNCATED_PLAN = """[[ ## approach ## ]]
Check the length, then every 3 consecutive letters.

[[ ## steps ## ]]
1. If the length is less than 3, return False.
2. Compare each letter with the next two.

[[ ## edge_cases ## ]]
- Empty string: `is_happy("") => False`
- Single character string: `is_happy("a") => False`
- Single character string: `is_happy("a") => False`
- Single character string: `is_h"""


def test_bullet_lists_and_a_truncated_answer_are_salvaged():
    fields = SalvagingChatAdapter(required=("approach",)).parse(CodePlanner, TRUNCATED_PLAN)

    assert fields["approach"].startswith("Check the length")
    assert fields["steps"] == [
        "If the length is less than 3, return False.", "Compare each letter with the next two."
    ]
    assert fields["edge_cases"] == [
        'Empty string: `is_happy("") => False`',
        'Single character string: `is_happy("a") => False`',
    ]  # repeats dropped, and the last item: the token limit cut it
    assert fields["time_complexity"] == ""


def test_an_answer_without_the_required_field_is_still_an_error():
    with pytest.raises(AdapterParseError, match="approach"):
        SalvagingChatAdapter(required=("approach",)).parse(CodePlanner, "[[ ## steps ## ]]\n- a")


def test_a_well_formed_answer_parses_as_the_chat_adapter_does():
    answer = ('[[ ## approach ## ]]\nsort\n\n[[ ## steps ## ]]\n["a", "b"]\n\n'
              '[[ ## edge_cases ## ]]\n[]\n\n[[ ## time_complexity ## ]]\nO(n log n)\n\n'
              '[[ ## completed ## ]]')
    fields = SalvagingChatAdapter().parse(CodePlanner, answer)
    assert fields == {"approach": "sort", "steps": ["a", "b"], "edge_cases": [],
                      "time_complexity": "O(n log n)"}


def test_a_truncated_test_answer_costs_one_call_not_a_json_retry():
    lm = DummyLM([{"test_code": "def test_a():\n    assert f(1) == 2"}])  # make_input cut off
    mark = history_mark()
    with dspy.context(lm=lm, adapter=salvaging_adapter(required=("test_code",))):
        prediction = dspy.Predict(TestGenerator)(task="f(x) = x + 1", plan="")
    assert len(lm_calls_since(mark)) == 1
    assert "assert f(1) == 2" in prediction.test_code and prediction.make_input == ""


def test_an_adapter_the_user_configured_is_kept():
    json_adapter = dspy.JSONAdapter()
    with dspy.context(adapter=json_adapter):
        assert salvaging_adapter() is json_adapter
    with dspy.context(adapter=None):
        assert isinstance(salvaging_adapter(), SalvagingChatAdapter)
