"""ProjectCoder end to end with a scripted LM and the real sandbox: a rejected plan goes back
to the planner, modules are written in dependency order on their dependencies' code, a
failing integration test sends its module back, and the package's tests pass under plain
pytest outside dspy-coder."""

from __future__ import annotations

import json
import subprocess
import sys

import dspy

from dspy_coder.pipeline.coder import Coder
from dspy_coder.pipeline.project_coder import ProjectCoder
from dspy_coder.sandbox import run as sandbox_run
from tests.fakes.executors import FakeInterpreter, no_profiler
from tests.fakes.scripted_lm import all_prompts, history_mark, lm_calls_since, scripted_lm

VALIDATOR = {"name": "validator", "purpose": "Check that a string is an email address.",
             "interface": ["def validate_email(s: str) -> bool"], "depends_on": [],
             "unit_tests": ["a@b.co is valid", "no at sign is invalid"]}
NORMALISER = {"name": "normaliser", "purpose": "Normalise a valid email address.",
              "interface": ["def normalize_email(s: str) -> str"],
              "depends_on": ["validator"], "unit_tests": ["strips and lowercases"]}
LOOPING = {**VALIDATOR, "depends_on": ["normaliser"]}


def plan(*modules: dict) -> dict:
    return {"reasoning": "r", "package": "mailkit", "modules": json.dumps(list(modules)),
            "integration_tests": json.dumps(["normalising then validating works"]),
            "performance": json.dumps({})}


VALIDATE = "def validate_email(s):\n    return s.count('@') == 1 and '.' in s.split('@')[1]\n"
NORMALISE_BUG = ("def normalize_email(s):\n    if not validate_email(s):\n"
                 "        raise ValueError(s)\n    return s.lower()\n")
NORMALISE = NORMALISE_BUG.replace("s.lower()", "s.strip().lower()").replace(
    "validate_email(s)", "validate_email(s.strip())")
UNIT = {"validator": "def test_ok():\n    assert validate_email('a@b.co')\n",
        "normaliser": "def test_lower():\n    assert normalize_email('A@B.CO') == 'a@b.co'\n"}
INTEGRATION = ("from mailkit.normaliser import normalize_email\n"
               "from mailkit.validator import validate_email\n\n"
               "def test_round():\n    assert validate_email(normalize_email(' A@B.CO '))\n\n"
               "def test_padded():\n    assert normalize_email(' A@B.CO ') == 'a@b.co'\n")


def test_a_two_module_package_is_planned_built_integrated_and_passes_plain_pytest(tmp_path):
    lm = scripted_lm({
        "modules": [plan(LOOPING, NORMALISER), plan(VALIDATOR, NORMALISER)],
        "generated_code": [VALIDATE, NORMALISE_BUG, NORMALISE],
        "test_code": [{"test_code": UNIT["validator"], "make_input": ""},
                      {"test_code": UNIT["normaliser"], "make_input": ""},
                      {"test_code": UNIT["normaliser"], "make_input": ""}],
        "integration_test_code": [INTEGRATION],
    })
    coder = Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                  profiler=no_profiler, retry_backoff_s=0.0, routing="simple", drafts=0,
                  max_iterations=1)
    mark = history_mark()
    with dspy.context(lm=lm):
        result = ProjectCoder(coder)(requirements="an email library: validate and normalise")
    report = result.report
    prompts = all_prompts(lm_calls_since(mark))

    assert report.plan_problems == [[
        "The dependencies loop: validator -> normaliser -> validator. Move what both need "
        "into a module neither depends on."]]
    assert "The dependencies loop" in prompts  # the problems went back to the planner
    assert "Try 2 of 3" in prompts and "The rejected plan: {" in prompts  # with the plan itself
    assert [p.package for p in report.rejected_plans] == ["mailkit"]
    assert report.build_order == ["validator", "normaliser"]
    assert "def validate_email(s):" in prompts  # the normaliser was written on its code
    first_round = report.integration_rounds[0]
    assert first_round.passed == 1 and first_round.blamed == {
        "test_integration_2": ["normaliser"]}  # normalize_email(' A@B.CO ') returned ' a@b.co '
    assert "returned ' a@b.co '" in prompts  # the failure went into the module's new task
    assert first_round.refined == ["normaliser"]
    assert [o.passed for o in report.integration_results] == [True, True]
    assert report.modules["normaliser"].code.strip() == NORMALISE.strip()
    assert report.status == "unverified"  # no module test was confirmed (no samples drawn)
    assert report.cost.lm_calls == len(lm_calls_since(mark))

    for path, text in result.files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    module = (tmp_path / "src/mailkit/normaliser.py").read_text()
    assert "from mailkit.validator import validate_email" in module
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    # each module's unit test, the normaliser's idempotence property, the two integration tests
    assert "5 passed" in run.stdout
    assert sorted(p for p in result.files if p.startswith("tests/")) == [
        "tests/conftest.py", "tests/test_integration.py", "tests/test_normaliser.py",
        "tests/test_validator.py"]
    assert json.loads((tmp_path / "project_report.json").read_text())["status"] == "unverified"


def test_a_plan_that_never_passes_its_checks_fails_without_writing_code():
    lm = scripted_lm({"modules": [plan(LOOPING, NORMALISER)] * 3})
    coder = Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                  profiler=no_profiler, retry_backoff_s=0.0)
    with dspy.context(lm=lm):
        result = ProjectCoder(coder, max_replans=2)(requirements="an email library")
    assert result.report.status == "failed" and len(result.report.plan_problems) == 3
    assert result.report.modules == {} and list(result.files) == ["project_report.json"]
    assert "No plan passed its checks after 3 tries" in result.report.notes[0]


def test_a_module_is_asked_only_for_its_own_interface():
    """The 0.5B planner copied the whole request into each module's purpose, so the
    conversions module was required to define the stats module's mean_fahrenheit too."""
    from dspy_coder.task.module_task import module_task
    from dspy_coder.task.project_plan import ModuleSpec, ProjectPlan
    from dspy_coder.task.project_requirements import requirements_from_flags
    from dspy_coder.task.requirements import stated_requirements

    request = ("conversions with celsius_to_fahrenheit(c), and stats with "
               "mean_fahrenheit(values)")
    spec = ModuleSpec(name="conversions", purpose=request,
                      interface=["def celsius_to_fahrenheit(c) -> float"])
    task = module_task(requirements_from_flags(request),
                       ProjectPlan(package="temperature", modules=[spec]), spec)
    assert stated_requirements(task, None).names == ("celsius_to_fahrenheit",)
    assert "stats with mean_fahrenheit" in task  # still said, no longer asked for


def test_each_module_is_told_the_requirements_libraries_and_how_to_import_them(tmp_path):
    """The 1.5B's TOML config writer imported ``toml``, which is not installed, in every
    candidate: its module tasks never said the project asked for ``tomli-w``."""
    from dspy_coder.task.project_requirements import Library, Requirements

    lm = scripted_lm({"modules": [plan(VALIDATOR)], "generated_code": [VALIDATE]})
    coder = Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                  profiler=no_profiler, retry_backoff_s=0.0, routing="simple", drafts=0,
                  max_iterations=1)
    requirements = Requirements(goal="an email library", libraries=[
        Library(name="tomli-w", features=["dumps"]), Library(name="PyYAML")])
    # the project environment's copy of the library: its real signatures reach the task
    (tmp_path / "tomli_w.py").write_text(
        'def dumps(obj, /, *, indent=4) -> str:\n    """Serialise obj to a TOML string."""\n')
    mark = history_mark()
    with dspy.context(lm=lm):
        ProjectCoder(coder, library_dirs=[str(tmp_path)])(requirements=requirements)
    prompts = all_prompts(lm_calls_since(mark))
    assert "Use the libraries the project requires, installed where the code runs:" in prompts
    assert "- tomli-w (import tomli_w): dumps" in prompts
    assert ("    tomli_w.dumps(obj, /, *, indent=4) -> str: Serialise obj to a TOML string."
            in prompts)
    assert "- PyYAML (import yaml)" in prompts  # not in tmp_path: found where dspy-coder runs


def test_a_library_is_imported_as_the_modules_its_distribution_installs():
    from dspy_coder.task.library_check import import_names

    assert import_names("PyYAML") == ["yaml"]  # installed with dspy-coder
    assert import_names("PyYAML", ["/nonexistent"]) == ["yaml"]
    assert import_names("no-such-dist-xyz") == ["no_such_dist_xyz"]  # installed nowhere


def test_a_reviewer_rejects_the_plan_with_a_reason_then_approves_the_next():
    from dspy_coder.pipeline.approval import Approval, Decision

    answers = [Decision(verdict="reject", reason="put the normaliser first"),
               Decision(verdict="approve")]
    shown = []

    def person(request):
        shown.append(request)
        return answers.pop(0)

    lm = scripted_lm({"modules": [plan(VALIDATOR), plan(VALIDATOR, NORMALISER)],
                      "generated_code": [VALIDATE, NORMALISE]})  # no integration test answer
    coder = Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                  profiler=no_profiler, retry_backoff_s=0.0, routing="simple", drafts=0,
                  max_iterations=1)
    mark = history_mark()
    with dspy.context(lm=lm):
        report = ProjectCoder(coder, approval=Approval(person, ("plan",), by="test"))(
            requirements="an email library: validate and normalise").report
    assert "A reviewer rejected the plan: put the normaliser first" in all_prompts(
        lm_calls_since(mark))
    assert [a.verdict for a in report.approvals] == ["reject", "approve"]
    assert '"validator"' in shown[0].text and shown[0].gate == "plan"
    assert report.build_order == ["validator", "normaliser"]
    assert "The integration test writer's answer could not be read" in report.notes[-2]


def test_fenced_parametrized_integration_tests_lose_their_package_imports():
    """The 1.5B wrote its integration tests fenced, with the package imports at the top and
    parametrize tables; every one failed with ModuleNotFoundError inside the sandbox."""
    from dspy_coder.judge.project_report import ProjectReport
    from dspy_coder.task.project_plan import ProjectPlan
    from dspy_coder.task.project_requirements import Requirements

    answer = ("```python\nimport pytest\nfrom mailkit.validator import validate_email\n\n"
              "@pytest.mark.parametrize('s', ['a@b.co', 'x@y.org'])\n"
              "def test_valid(s):\n    assert validate_email(s)\n```\n")
    project = ProjectCoder(Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                                 profiler=no_profiler))
    project.write_integration = lambda **_: dspy.Prediction(integration_test_code=answer)
    mailkit = ProjectPlan.model_validate(json.loads(json.dumps({
        "package": "mailkit", "modules": [VALIDATOR]})))
    requirements = Requirements(goal="an email library")
    report = ProjectReport(requirements=requirements, status="partial", plan=mailkit)
    tests = project._integration_tests(requirements, mailkit, {"validator": VALIDATE}, report)
    assert [t.name for t in tests] == ["test_integration_1", "test_integration_2"]
    assert not any("mailkit" in t.code for t in tests)
    flat_tests = "\n\n\n".join(t.code for t in tests)
    outcome = sandbox_run(VALIDATE, tests=flat_tests)
    assert [t.passed for t in outcome.tests] == [True, True], outcome


def test_an_integration_test_of_the_test_s_own_mock_classes_is_not_run():
    """The 1.5B's cache integration tests built a `MockCache` defined in the test file and
    never touched the package: passing them would have said nothing about it."""
    from dspy_coder.judge.project_report import ProjectReport, render_project_report
    from dspy_coder.task.project_plan import ProjectPlan
    from dspy_coder.task.project_requirements import Requirements

    answer = ("from mailkit.validator import validate_email\n\n"
              "class Rules:\n    def ok(self, s):\n        return '@' in s\n\n"
              "class MockValidator:\n    def check(self, s):\n        return Rules().ok(s)\n\n"
              "class TestMock:\n    def setup_method(self):\n"
              "        self.v = MockValidator()\n\n"
              "    def test_mock(self):\n        assert self.v.check('a@b')\n\n"
              "def test_own_rules():\n    assert Rules().ok('a@b')\n\n"
              "def test_real():\n    assert validate_email('a@b.co')\n\n"
              "def test_real_through_a_helper_class():\n"
              "    assert Rules().ok('a@b') and validator_of()('a@b.co')\n\n"
              "def validator_of():\n    return validate_email\n")
    project = ProjectCoder(Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                                 profiler=no_profiler))
    project.write_integration = lambda **_: dspy.Prediction(integration_test_code=answer)
    mailkit = ProjectPlan.model_validate({"package": "mailkit", "modules": [VALIDATOR]})
    requirements = Requirements(goal="an email library")
    report = ProjectReport(requirements=requirements, status="partial", plan=mailkit)
    tests = project._integration_tests(requirements, mailkit, {"validator": VALIDATE}, report)
    assert len(tests) == 2 and all("validate_email" in t.code for t in tests)
    assert [d.reason for d in report.integration_tests_dropped] == [
        "it uses nothing of the code under test, only what the test defines"] * 2
    assert "Integration tests not run: 2" in render_project_report(report)


def write_validator_then_normaliser(project: ProjectCoder):
    """The mailkit plan's two modules written in order by ``project``: (plan, requirements,
    code by module, reports by module)."""
    from dspy_coder.task.project_plan import ProjectPlan
    from dspy_coder.task.project_requirements import Requirements

    mailkit = ProjectPlan.model_validate({"package": "mailkit",
                                          "modules": [VALIDATOR, NORMALISER]})
    requirements = Requirements(goal="an email library")
    code: dict[str, str] = {}
    modules = {}
    for name in ("validator", "normaliser"):
        modules[name] = project._write_module(requirements, mailkit, name, code)
        code[name] = modules[name].code
    return mailkit, requirements, code, modules


def test_a_module_that_copies_its_dependencys_functions_uses_the_originals():
    """The 1.5B's CLI redefined validate_email and normalise_email; in the package the copies
    shadowed the real modules."""
    from dspy_coder.judge.project_report import ProjectReport
    from dspy_coder.pipeline.project_files import package_files
    from dspy_coder.types import DevelopmentReport, Task

    copied = ("def validate_email(s):\n    return True\n\n\n"
              "def normalize_email(s):\n    if not validate_email(s):\n"
              "        raise ValueError(s)\n    return s.lower()\n")
    written = {"validate_email": VALIDATE, "normalize_email": copied}  # by entry point
    project = ProjectCoder(Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                                 profiler=no_profiler))
    imports_run_as_context = []
    project.coder = lambda prompt, entry_point, context_code, feedback, context_imports: (
        imports_run_as_context.append(context_imports) or dspy.Prediction(
            report=DevelopmentReport(task=Task(prompt=prompt), status="success",
                                     code=written[entry_point])))
    mailkit, requirements, code, modules = write_validator_then_normaliser(project)
    assert "def validate_email" not in code["normaliser"]
    assert "def normalize_email" in code["normaliser"]
    # a module's imports of the package are satisfied by its context when it runs
    assert imports_run_as_context[-1] == ["mailkit", "validator", "normaliser"]
    assert modules["normaliser"].notes[-1] == (
        "Module normaliser: its copies of validate_email (defined by the modules it was "
        "written on) were removed; it uses theirs.")
    assert "def validate_email" in code["validator"]  # its own are kept
    report = ProjectReport(requirements=requirements, status="success", plan=mailkit,
                           build_order=["validator", "normaliser"], modules=modules)
    normaliser_file = package_files(report)["src/mailkit/normaliser.py"]
    assert "from mailkit.validator import validate_email" in normaliser_file


def test_an_exact_copy_of_an_undeclared_class_of_a_dependency_goes_and_is_imported():
    """The 1.5B's `cache.invalidate` repeated the store's `Cache` class word for word; `Cache`
    was in no interface, so the copy stayed and shadowed the store's in the package."""
    from dspy_coder.judge.project_report import ProjectReport
    from dspy_coder.pipeline.project_files import package_files
    from dspy_coder.types import DevelopmentReport, Task

    rules = "class Rules:\n    def ok(self, s):\n        return '@' in s\n"
    changed = "class Helper:\n    pass\n"
    validator = VALIDATE + "\n\n" + rules + "\n\n" + changed
    normaliser = (rules + "\n\nclass Helper:\n    size = 2\n\n\n"
                  "def normalize_email(s):\n    assert Rules().ok(s)\n    return s.lower()\n")
    written = {"validate_email": validator, "normalize_email": normaliser}
    project = ProjectCoder(Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                                 profiler=no_profiler))
    project.coder = lambda prompt, entry_point, **_: dspy.Prediction(report=DevelopmentReport(
        task=Task(prompt=prompt), status="success", code=written[entry_point]))
    mailkit, requirements, code, modules = write_validator_then_normaliser(project)
    assert "class Rules" not in code["normaliser"]  # the word-for-word copy went
    assert "class Helper" in code["normaliser"]  # a changed copy is its own
    assert "its copies of Rules" in modules["normaliser"].notes[-1]
    report = ProjectReport(requirements=requirements, status="success", plan=mailkit,
                           build_order=["validator", "normaliser"], modules=modules)
    normaliser_file = package_files(report)["src/mailkit/normaliser.py"]
    assert "from mailkit.validator import Rules\n" in normaliser_file


BROKEN_NORMALISER = "import mailkit_helpers\n\n\n" + NORMALISE  # loads nowhere


def _loading_fails_lm() -> dspy.LM:
    return scripted_lm({
        "modules": [plan(VALIDATOR, NORMALISER)],
        "generated_code": [VALIDATE, BROKEN_NORMALISER, NORMALISE],
        "test_code": [{"test_code": UNIT["validator"], "make_input": ""},
                      {"test_code": UNIT["normaliser"], "make_input": ""},
                      {"test_code": UNIT["normaliser"], "make_input": ""}],
        "integration_test_code": [INTEGRATION],
    })


def test_a_package_that_fails_to_load_fails_each_integration_test_and_is_repaired():
    # the email project at dbba08e: the CLI module did not parse, so the integration run had no
    # test outcomes, nothing was blamed or repaired, and plain pytest stopped at collection
    coder = Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                  profiler=no_profiler, retry_backoff_s=0.0, routing="simple", drafts=0,
                  max_iterations=1)
    with dspy.context(lm=_loading_fails_lm()):
        report = ProjectCoder(coder)(requirements="an email library").report
    first_round = report.integration_rounds[0]
    assert first_round.passed == 0 and first_round.blamed == {
        "test_integration_1": ["normaliser"], "test_integration_2": ["normaliser"]}
    assert first_round.refined == ["normaliser"]
    assert [o.passed for o in report.integration_results] == [True, True]

    with dspy.context(lm=_loading_fails_lm()):
        files = ProjectCoder(coder, integration_rounds=0)(requirements="an email library").files
    written = files["tests/test_integration.py"]  # not run in the run: skipped with the reason
    assert written.count("@pytest.mark.skip(") == 2
    assert written.count("failed in the run: the package failed to load: ModuleNotFoundError") == 2
