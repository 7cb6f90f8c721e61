from dspy_coder.types import DevelopmentReport


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
