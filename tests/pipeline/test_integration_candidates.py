"""A failing integration test is checked against the blamed module's other candidates: one
some candidate passes is confirmed (and that candidate may replace the answer), one none
passes does not count and sends nothing back."""

from __future__ import annotations

import dspy

from dspy_coder.judge.project_report import ProjectReport, render_project_report
from dspy_coder.pipeline.coder import Coder
from dspy_coder.pipeline.integration_candidates import (
    other_candidates,
    try_candidates,
    unconfirmed_failures,
)
from dspy_coder.pipeline.project_coder import ProjectCoder
from dspy_coder.pipeline.project_files import package_files
from dspy_coder.sandbox import run as sandbox_run
from dspy_coder.task.project_plan import ProjectPlan
from dspy_coder.task.project_requirements import Requirements
from dspy_coder.types import Attempt, DevelopmentReport, Task
from tests.fakes.executors import FakeInterpreter, no_profiler


def module(*codes: str, score: float = 1.0, scores: list[float] | None = None
           ) -> DevelopmentReport:
    scores = scores or [score] * len(codes)
    return DevelopmentReport(
        task=Task(prompt="m"), status="success", code=codes[0], score=score,
        attempts=[Attempt(iteration=i + 1, code=c, score=s)
                  for i, (c, s) in enumerate(zip(codes, scores, strict=True))])


def test_only_distinct_candidates_as_good_as_the_answer_are_tried():
    report = module("a = 1", "a = 2", "a = 1", "a = 3", "a = 4", scores=[1.0, 1.0, 1.0, 0.5, 1.0])
    assert other_candidates(report, "a = 1") == [(1, "a = 2"), (4, "a = 4")]


def test_a_test_no_candidate_passes_is_unconfirmed_and_one_that_passes_more_is_adopted():
    passes = {"v0": {"t_ok"}, "v1": {"t_ok"}, "v2": {"t_ok", "t_fixable"}}
    code = {"v": "v0", "w": "w0"}
    reports = {"v": module("v0", "v1", "v2"), "w": module("w0", "w1")}
    trial = try_candidates(["v", "w"], code, reports, {"t_fixable", "t_wrong", "t_w"},
                           {"t_ok"}, lambda package: passes.get(package["v"], set()))
    assert trial.confirmed == {"t_fixable"} and trial.adopted == {"v": 2}
    assert code["v"] == "v2" and trial.unvetted == {"w"}  # w has one other candidate only
    reasons = unconfirmed_failures(
        {"t_fixable": ["v"], "t_wrong": ["v"], "t_w": ["w"], "t_both": ["v", "w"]}, trial)
    assert list(reasons) == ["t_wrong"]  # t_w and t_both rest on w, which gave no evidence
    assert "no other candidate (2 of v) passes it either" in reasons["t_wrong"]


VALIDATOR = {"name": "validator", "purpose": "Check an email address.",
             "interface": ["def validate_email(s: str) -> bool"], "depends_on": []}
USER = {"name": "signup", "purpose": "Register an address if it is valid.",
        "interface": ["def signup(s: str) -> str"], "depends_on": ["validator"]}
STRICT = "def validate_email(s):\n    return '@' in s and '.' in s.split('@')[-1]\n"
STRICT_TOO = "def validate_email(s):\n    return s.count('@') == 1 and '.' in s\n"
LAX = "def validate_email(s):\n    return '@' in s\n"
SIGNUP = "def signup(s):\n    return 'ok' if validate_email(s) else 'rejected'\n"
SIGNUPS = (SIGNUP, SIGNUP.replace("(s)", "(address)"),
           "def signup(s):\n    if validate_email(s):\n        return 'ok'\n"
           "    return 'rejected'\n")
INTEGRATION = ("from mailkit.signup import signup\n\n"
               "def test_good():\n    assert signup('a@b.co') == 'ok'\n\n"
               "def test_bad():\n    assert signup('nope') == 'rejected'\n\n"
               "def test_wrong():\n    assert signup('invalid-email') == 'ok'\n")


def test_a_wrong_integration_test_sends_no_right_module_back_and_does_not_count():
    """The 1.5B's email package: `validate_email('invalid-email') == True` sent all three
    right modules back to be rewritten; no candidate of the validator passes such a test."""
    project = ProjectCoder(Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                                 profiler=no_profiler), integration_rounds=1)
    rewritten = []
    project.coder = lambda **kwargs: rewritten.append(kwargs) or dspy.Prediction(
        report=DevelopmentReport(task=Task(prompt="m"), status="failed"))
    project.write_integration = lambda **_: dspy.Prediction(integration_test_code=INTEGRATION)
    plan = ProjectPlan.model_validate({"package": "mailkit", "modules": [VALIDATOR, USER]})
    requirements = Requirements(goal="an email library")
    modules = {"validator": module(STRICT, STRICT_TOO, LAX),
               "signup": module(*SIGNUPS)}
    code = {name: report.code for name, report in modules.items()}
    report = ProjectReport(requirements=requirements, status="partial", plan=plan,
                           build_order=["validator", "signup"], modules=modules)
    project._integrate(requirements, plan, ["validator", "signup"], code, modules, report)
    assert rewritten == []  # nothing was sent back
    last = report.integration_rounds[-1]
    assert last.passed == 2 and not last.adopted and list(last.unconfirmed) == [
        "test_integration_3"]
    assert list(report.integration_unconfirmed) == ["test_integration_3"]
    report.modules = modules
    assert "UNCONFIRMED test_integration_3" in render_project_report(report)
    written = package_files(report)["tests/test_integration.py"]
    assert 'skip(reason="unconfirmed: no other candidate (2 of signup, 2 of validator)' in written


def test_a_candidate_that_passes_the_failing_test_replaces_the_answer_without_an_lm_call():
    project = ProjectCoder(Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                                 profiler=no_profiler), integration_rounds=1)
    rewritten = []
    project.coder = lambda **kwargs: rewritten.append(kwargs) or dspy.Prediction(
        report=DevelopmentReport(task=Task(prompt="m"), status="failed"))
    tests = INTEGRATION.split("\n\ndef test_wrong")[0] + "\n"
    project.write_integration = lambda **_: dspy.Prediction(integration_test_code=tests)
    plan = ProjectPlan.model_validate({"package": "mailkit", "modules": [VALIDATOR, USER]})
    requirements = Requirements(goal="an email library")
    broken = "def validate_email(s):\n    return False\n"
    modules = {"validator": module(broken, "def validate_email(s):\n    return True\n", STRICT),
               "signup": module(SIGNUP)}
    code = {name: report.code for name, report in modules.items()}
    report = ProjectReport(requirements=requirements, status="partial", plan=plan,
                           build_order=["validator", "signup"], modules=modules)
    project._integrate(requirements, plan, ["validator", "signup"], code, modules, report)
    assert rewritten == []
    assert report.integration_rounds[0].adopted == {"validator": 2}
    assert code["validator"] == STRICT and modules["validator"].code == STRICT
    assert all(o.passed for o in report.integration_results)
    assert "attempt 3 replaced the answer" in modules["validator"].notes[-1]


def test_a_rewrite_that_breaks_the_unit_tests_that_judged_its_module_is_not_kept():
    """Without other candidates a failing test counts and its module is written again; the
    rewrite goes if it fails more of the module's own counted tests than the answer did."""
    from dspy_coder.types import TestCase

    project = ProjectCoder(Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                                 profiler=no_profiler), integration_rounds=1)
    always_ok = "def signup(s):\n    return 'ok'\n"
    project.coder = lambda **_: dspy.Prediction(report=DevelopmentReport(
        task=Task(prompt="m"), status="success", code=always_ok, score=1.0))
    project.write_integration = lambda **_: dspy.Prediction(integration_test_code=INTEGRATION)
    plan = ProjectPlan.model_validate({"package": "mailkit", "modules": [VALIDATOR, USER]})
    requirements = Requirements(goal="an email library")
    unit = TestCase(name="test_generated_1", vetted=True,  # imports it as plain pytest would
                    code="def test_generated_1():\n    from mailkit.signup import signup\n"
                         "    assert signup('nope') == 'rejected'\n")
    signup = module(SIGNUP).model_copy(update={"tests": [unit]})
    modules = {"validator": module(STRICT), "signup": signup}
    code = {name: report.code for name, report in modules.items()}
    report = ProjectReport(requirements=requirements, status="partial", plan=plan,
                           build_order=["validator", "signup"], modules=modules)
    project._integrate(requirements, plan, ["validator", "signup"], code, modules, report)
    first = report.integration_rounds[0]
    assert first.refined == [] and code["signup"] == SIGNUP
    assert first.not_kept == {
        "signup": "the rewrite passes 0 of the 1 unit tests that judged the module, the answer 1"}
