import json

from dspy_coder.types import DevelopmentReport, DroppedTest


def test_a_report_written_with_the_old_plan_field_test_plan_still_loads():
    """Older reports carry ``plan.test_plan`` (always empty: nothing ever set it); Plan ignores
    unknown input, so those report lines still load."""
    old = {
        "task": {"prompt": "def f(x):\n", "entry_point": "f"},
        "status": "failed",
        "plan": {"approach": "loop", "steps": ["a"], "edge_cases": [], "test_plan": []},
    }
    report = DevelopmentReport.model_validate(old)
    assert report.plan is not None and report.plan.approach == "loop"
    assert "test_plan" not in report.model_dump()["plan"]


def test_a_report_written_before_the_test_writers_answer_was_kept_still_loads():
    old = {"task": {"prompt": "def f(x):\n", "entry_point": "f"}, "status": "partial"}
    report = DevelopmentReport.model_validate_json(json.dumps(old))
    assert report.generated_tests_raw == "" and report.dropped_tests == []
    report.dropped_tests.append(DroppedTest(name="test_a", reason="it does not use `f`"))
    again = DevelopmentReport.model_validate_json(report.model_dump_json())
    assert again.dropped_tests == [DroppedTest(name="test_a", reason="it does not use `f`")]
