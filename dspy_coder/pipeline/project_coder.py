"""``ProjectCoder``: requirements -> a checked plan -> modules in dependency order, each through
the ``Coder`` loop -> integration tests, with failing modules sent back -> a package.

The plan is checked before any code is written (``plan_problems``); a rejected plan goes back
to the planner with its problems, at most ``max_replans`` times. Each module is an ordinary
``Coder`` task whose ``context_code`` is the code of the modules it depends on, so it runs,
is tested, scored and refined like a single function. Integration tests run on the package
flattened into one module; a failing one is blamed on a module, whose other candidates are
tried first (``integration_candidates``: one that passes more replaces the answer, and a test
none of them passes is unconfirmed and sends nothing back); then the module is written again
with the confirmed failures in its task, for at most ``integration_rounds`` rounds, and kept
only if the package then passes at least as many integration tests and the module at least
as many of the unit tests that judged it.

Example:
    >>> project = ProjectCoder(Coder())                                         # doctest: +SKIP
    >>> result = project(requirements="an email library: validate and normalise")  # doctest: +SKIP
    >>> result.report.status, sorted(result.files)                              # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import dspy
from pydantic import ValidationError

from dspy_coder.code.generated_tests import read_generated_tests
from dspy_coder.code.package_imports import strip_package_imports
from dspy_coder.judge.integration import Flattened, blame, flatten
from dspy_coder.judge.project_report import (
    IntegrationRound,
    ProjectReport,
    project_status,
)
from dspy_coder.judge.redefinitions import (
    defined_publicly,
    exact_copies,
    without_definitions,
)
from dspy_coder.judge.usage import cost_from
from dspy_coder.pipeline.approval import Approval, ApprovalRequest, ApprovalSourceError
from dspy_coder.pipeline.coder import Coder
from dspy_coder.pipeline.events import emit
from dspy_coder.pipeline.integration_candidates import try_candidates, unconfirmed_failures
from dspy_coder.pipeline.lm_failures import UNUSABLE_ANSWER_ERRORS
from dspy_coder.pipeline.project_files import package_files
from dspy_coder.pipeline.signatures.project import IntegrationTestWriter, ProjectPlanner
from dspy_coder.pipeline.stop_requests import stop_requested
from dspy_coder.task.library_api import library_api
from dspy_coder.task.library_check import import_names
from dspy_coder.task.module_task import module_task, only_function
from dspy_coder.task.project_plan import (
    ProjectPlan,
    build_order,
    module_named,
    plan_problems,
    public_names,
    tidy_plan,
    written_before,
)
from dspy_coder.task.project_requirements import Requirements, requirements_from_flags
from dspy_coder.types import DevelopmentReport, ExecutionResult, TestCase, TestOutcome

logger = logging.getLogger(__name__)

Executor = Callable[..., ExecutionResult]


def _renamed(test: TestCase, name: str) -> TestCase:
    """``test`` as a function called ``name``."""
    code = test.code.replace(f"def {test.name}(", f"def {name}(", 1)
    return test.model_copy(update={"name": name, "code": code})


def _outcomes(result: ExecutionResult, tests: list[TestCase]) -> list[TestOutcome]:
    """Each integration test's outcome; when the package failed before any test ran (a module
    that does not load), each test failed with that error, so it is blamed on the module its
    traceback names and written out skipped with the reason."""
    if result.tests or not result.error:
        return list(result.tests)
    lines = [line.strip() for line in result.error.splitlines()
             if line.strip() and not line.rstrip().endswith(":")]  # not "Loading ... failed:"
    message = f"the package failed to load: {lines[0] if lines else ''}\n{result.error}"
    return [TestOutcome(name=t.name, passed=False, message=message) for t in tests]


class ProjectCoder(dspy.Module):
    """See the module docstring. ``coder`` writes each module; ``executor`` runs the
    integration tests (default: the sandbox)."""

    def __init__(
        self,
        coder: Coder | None = None,
        *,
        max_replans: int = 2,
        integration_rounds: int = 1,
        executor: Executor | None = None,
        integration_timeout_s: float = 20.0,
        approval: Approval | None = None,
        library_dirs: Sequence[str] = (),
    ) -> None:
        super().__init__()
        # where the requirements' libraries are installed for the sandboxed runs (a project
        # environment's site directory), if not where dspy-coder runs
        self.library_dirs = tuple(library_dirs)
        self._api_cache: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        self.approval = approval  # only its plan gate is asked here; modules use the coder's
        self.planner = dspy.Predict(ProjectPlanner)
        self.write_integration = dspy.Predict(IntegrationTestWriter)
        self.coder = coder if coder is not None else Coder()
        self.max_replans = max_replans
        self.integration_rounds = integration_rounds
        self.integration_timeout_s = integration_timeout_s
        if executor is None:
            from dspy_coder.sandbox import run as executor
        self.executor = executor

    # -- planning ------------------------------------------------------------------------------

    def _plan(self, requirements: Requirements, report: ProjectReport) -> ProjectPlan | None:
        """A plan without problems, or None after ``max_replans`` rejections. A rejected plan
        goes back with its problems and its own JSON, so the planner edits it (and the prompt
        differs from try to try, so a cached answer is never simply repeated)."""
        feedback = ""
        tries = self.max_replans + 1
        for number in range(1, tries + 1):
            plan = None
            try:
                answer = self.planner(requirements=requirements.render(), feedback=feedback)
                plan, fixed = tidy_plan(ProjectPlan(
                    package=str(answer.package).strip(), modules=list(answer.modules or []),
                    integration_tests=list(answer.integration_tests or []),
                    performance=dict(answer.performance or {})))
                report.notes.extend(fixed)
                problems = plan_problems(plan)
            except (ValidationError, ValueError, *UNUSABLE_ANSWER_ERRORS) as exc:
                problems = [f"The answer could not be read as a plan ({type(exc).__name__}: "
                            f"{str(exc)[:300]}); answer every field in the requested format."]
            if not problems:
                plan, problems = self._reviewed(plan, report, number)
            if not problems:
                return plan
            logger.info("plan %d of %d rejected: %s", number, tries, " ".join(problems))
            emit("note", "WARN", f"plan {number} of {tries} rejected: {' '.join(problems)}",
                 step="plan")
            report.plan_problems.append(problems)
            report.rejected_plans.append(plan)
            feedback = (f"Try {number + 1} of {tries}. Your previous plan was rejected:\n"
                        + "\n".join(f"- {p}" for p in problems))
            if plan is not None:
                feedback += f"\nThe rejected plan: {plan.model_dump_json()}"
        return None

    def _reviewed(self, plan: ProjectPlan, report: ProjectReport,
                  number: int) -> tuple[ProjectPlan, list[str]]:
        """The checked plan after the person's answer at the plan gate: approved, edited (as
        the plan's JSON, checked like the planner's), or rejected (the reason is a problem,
        so the planner gets it)."""
        if self.approval is None or not self.approval.asks("plan"):
            return plan, []
        decision, answered = self.approval.ask(ApprovalRequest(
            gate="plan", task_id=plan.package, round=number,
            text=plan.model_dump_json(indent=2)))
        report.approvals.append(answered)
        if decision.verdict == "approve":
            return plan, []
        if decision.verdict == "reject":
            return plan, [f"A reviewer rejected the plan: {decision.reason or 'no reason given'}"]
        try:
            edited, fixed = tidy_plan(ProjectPlan.model_validate_json(decision.edited))
        except ValidationError as exc:
            return plan, [f"The reviewer's edit is not a plan's JSON ({exc.errors()[0]['msg']})"]
        report.notes.extend(fixed)
        report.notes.append("The plan is the reviewer's edit.")
        return edited, plan_problems(edited)

    # -- modules -------------------------------------------------------------------------------

    def _context(self, plan: ProjectPlan, name: str, code: dict[str, str]) -> str:
        names = {m.name for m in plan.modules}
        return "\n\n\n".join(
            strip_package_imports(code[dep], plan.package, names).strip()
            for dep in written_before(plan, name) if code.get(dep, "").strip())

    def _write_module(self, requirements: Requirements, plan: ProjectPlan, name: str,
                      code: dict[str, str], failure: str = "") -> DevelopmentReport:
        """One module through the ``Coder`` loop."""
        spec = module_named(plan, name)
        logger.info("module %s: writing%s", name, " again" if failure else "")
        emit("note", "INFO", f"module {name}: writing{' again' if failure else ''}",
             step=f"module:{name}")
        if failure:
            failure = ("An integration test of the package failed because of this module; "
                       f"fix it and keep the interface:\n{failure}")
        imports = {library.name: import_names(library.name, self.library_dirs)
                   for library in requirements.libraries}
        report = self.coder(prompt=module_task(requirements, plan, spec, imports,
                                               self._library_apis(requirements, imports)),
                            entry_point=only_function(spec),
                            context_code=self._context(plan, name, code),
                            context_imports=[plan.package, *(m.name for m in plan.modules)],
                            feedback=failure).report
        own, copies = self._without_copies(plan, name, report.code, code)
        if copies:
            report = report.model_copy(update={"code": own, "notes": [*report.notes, (
                f"Module {name}: its copies of {', '.join(copies)} (defined by the modules it "
                "was written on) were removed; it uses theirs.")]})
        return report

    def _library_apis(self, requirements: Requirements, imports: dict[str, list[str]]
                      ) -> dict[str, list[str]]:
        """Each library's real signatures (``task.library_api``), read once per library."""
        apis = {}
        for library in requirements.libraries:
            key = (library.name, tuple(library.features))
            if key not in self._api_cache:
                self._api_cache[key] = [
                    line for module in imports[library.name]
                    for line in library_api(module, library.features, self.library_dirs)]
            apis[library.name] = self._api_cache[key]
        return apis

    @staticmethod
    def _without_copies(plan: ProjectPlan, name: str, text: str, code: dict[str, str]
                        ) -> tuple[str, list[str]]:
        """``text`` (module ``name``'s code) without its copies of what the modules it was
        written on define (see ``judge.redefinitions``), and the names removed."""
        theirs = {public for dep in written_before(plan, name)
                  for public in public_names(module_named(plan, dep))}
        theirs |= {copy for dep in written_before(plan, name)
                   for copy in exact_copies(text, code.get(dep, ""))}
        return without_definitions(text, theirs - set(public_names(module_named(plan, name))))

    # -- integration ---------------------------------------------------------------------------

    def _integration_tests(self, requirements: Requirements, plan: ProjectPlan,
                           code: dict[str, str], report: ProjectReport) -> list[TestCase]:
        interfaces = "\n".join(f"{plan.package}.{m.name}: " + "; ".join(m.interface)
                               for m in plan.modules)
        behaviours = plan.integration_tests or [
            f"{requirements.goal}: the modules used together give the expected results"]
        try:
            answer = self.write_integration(requirements=requirements.render(),
                                            interfaces=interfaces, behaviours=behaviours)
        except UNUSABLE_ANSWER_ERRORS as exc:  # an answer DSPy could not read
            report.notes.append(f"The integration test writer's answer could not be read "
                                f"({type(exc).__name__}).")
            return []
        report.integration_tests_raw = str(answer.integration_test_code or "")
        names = {m.name for m in plan.modules}
        offered = {plan.package, *names} | {
            public for m in plan.modules
            for public in public_names(m) + defined_publicly(code.get(m.name, ""))}
        read = read_generated_tests(report.integration_tests_raw, None, code_names=offered)
        report.integration_tests_dropped = read.dropped
        # the tests run on the package flattened into one module: no package imports in them
        # (the reader copies a file's imports into each test, so they are stripped per test)
        return [_renamed(t.model_copy(update={"code": strip_package_imports(
                    t.code, plan.package, names)}),
                         t.name.replace("test_generated_", "test_integration_"))
                for t in read.tests]

    def _run_integration(self, plan: ProjectPlan, order: list[str], code: dict[str, str],
                         tests: list[TestCase]) -> tuple[Flattened, ExecutionResult]:
        from dspy_coder.sandbox import Limits

        flat = flatten(plan.package, [(name, code[name]) for name in order])
        result = self.executor(flat.source, tests="\n\n\n".join(t.code for t in tests),
                               entry_point=None,
                               limits=Limits(timeout_s=self.integration_timeout_s))
        return flat, result

    def _integrate(self, requirements: Requirements, plan: ProjectPlan, order: list[str],
                   code: dict[str, str], modules: dict[str, DevelopmentReport],
                   report: ProjectReport) -> None:
        tests = self._integration_tests(requirements, plan, code, report)
        report.integration_tests = tests
        if not tests:
            report.notes.append("The integration test writer wrote no test that could be "
                                "used (see integration_tests_dropped); the modules were not "
                                "tested together.")
            return
        owners = {name: m.name for m in plan.modules for name in public_names(m)}
        by_name = {t.name: t for t in tests}
        for round_number in range(self.integration_rounds + 1):
            flat, result = self._run_integration(plan, order, code, tests)
            outcomes = _outcomes(result, tests)
            failed = [o for o in outcomes if not o.passed]
            this_round = IntegrationRound(
                passed=sum(o.passed for o in outcomes), total=len(tests),
                blamed={o.name: blame(o, by_name[o.name], flat, owners)
                        for o in failed if o.name in by_name})
            report.integration_rounds.append(this_round)
            report.integration_results = outcomes
            report.integration_unconfirmed = {}
            if not failed:
                return
            outcomes = self._vet_failures(plan, order, code, modules, tests, outcomes,
                                          this_round)
            report.integration_results = outcomes
            report.integration_unconfirmed = {
                o.name: this_round.unconfirmed[o.name] for o in outcomes
                if not o.passed and o.name in this_round.unconfirmed}
            counted = [o for o in outcomes
                       if not o.passed and o.name not in this_round.unconfirmed]
            if not counted or round_number == self.integration_rounds:
                return
            passed_now = sum(o.passed for o in outcomes)
            for name in sorted({m for o in counted for m in this_round.blamed.get(o.name, [])}):
                failures = "\n".join(
                    f"{by_name[o.name].code.strip()}\n# {o.message.strip()}" for o in counted
                    if name in this_round.blamed.get(o.name, []))
                rewrite = self._write_module(requirements, plan, name, code, failures)
                if not rewrite.code.strip():
                    continue
                trial = {**code, name: rewrite.code}
                _, retried = self._run_integration(plan, order, trial, tests)
                if retried.tests_passed < passed_now:
                    this_round.not_kept[name] = (
                        f"the package passed {retried.tests_passed} integration tests with the "
                        f"rewrite, {passed_now} without it")
                    continue
                unit = [t for t in modules[name].tests if t.vetted and not t.is_static_check]
                before = self._unit_passed(plan, name, code[name], code, unit)
                after = self._unit_passed(plan, name, rewrite.code, code, unit)
                if after < before:
                    this_round.not_kept[name] = (
                        f"the rewrite passes {after} of the {len(unit)} unit tests that judged "
                        f"the module, the answer {before}")
                    continue
                code[name], modules[name] = rewrite.code, rewrite
                this_round.refined.append(name)

    def _unit_passed(self, plan: ProjectPlan, name: str, text: str, code: dict[str, str],
                     unit: list[TestCase]) -> int:
        """How many of ``unit`` (module ``name``'s counted tests) ``text`` passes, run after
        the code of the modules it was written on, as its ``Coder`` run ran them."""
        if not unit:
            return 0
        from dspy_coder.sandbox import Limits

        modules = {m.name for m in plan.modules}
        own = strip_package_imports(text, plan.package, modules)
        source = "\n\n\n".join(p for p in (self._context(plan, name, code), own) if p.strip())
        tests = "\n\n\n".join(strip_package_imports(t.code, plan.package, modules) for t in unit)
        result = self.executor(source, tests=tests,
                               entry_point=None,
                               limits=Limits(timeout_s=self.integration_timeout_s))
        return result.tests_passed

    def _vet_failures(self, plan: ProjectPlan, order: list[str], code: dict[str, str],
                      modules: dict[str, DevelopmentReport], tests: list[TestCase],
                      outcomes: list[TestOutcome], this_round: IntegrationRound
                      ) -> list[TestOutcome]:
        """Try the blamed modules' other candidates (``integration_candidates``): adopt one
        that passes more, mark the failures none passes as unconfirmed; the outcomes now."""
        def passes(package: dict[str, str]) -> set[str]:
            run = _outcomes(self._run_integration(plan, order, package, tests)[1], tests)
            return {o.name for o in run if o.passed}

        # a module's failure may be its dependencies' fault: their candidates are tried too
        involved = {test: sorted({*ms, *(d for m in ms for d in written_before(plan, m))})
                    for test, ms in this_round.blamed.items()}
        blamed_modules = [m for m in order if any(m in ms for ms in involved.values())]
        trial = try_candidates(blamed_modules, code, modules,
                               {o.name for o in outcomes if not o.passed},
                               {o.name for o in outcomes if o.passed}, passes)
        for name, index in trial.adopted.items():
            code[name] = self._without_copies(plan, name, code[name], code)[0]
            modules[name] = modules[name].model_copy(update={
                "code": code[name], "notes": [*modules[name].notes, (
                    f"Module {name}: its candidate of attempt {index + 1} replaced the answer, "
                    "as the package then passed more integration tests.")]})
        this_round.adopted = trial.adopted
        this_round.unconfirmed = unconfirmed_failures(involved, trial)
        if trial.adopted:
            outcomes = _outcomes(self._run_integration(plan, order, code, tests)[1], tests)
        return outcomes

    # -- the whole run -------------------------------------------------------------------------

    def _build(self, requirements: Requirements, report: ProjectReport,
               modules: dict[str, DevelopmentReport]) -> ProjectPlan | None:
        """Plan, write the modules, integrate; fills ``report`` and ``modules`` as it goes."""
        plan = self._plan(requirements, report)
        report.plan = plan
        if plan is None:
            report.notes.append(f"No plan passed its checks after {self.max_replans + 1} "
                                "tries; no code was written (see plan_problems).")
            return None
        order = build_order(plan)
        report.build_order = order
        code: dict[str, str] = {}
        for name in order:
            if stop_requested():
                report.stopped_early = True
                report.notes.append(f"Stopped on request before module {name}.")
                return plan
            modules[name] = self._write_module(requirements, plan, name, code)
            code[name] = modules[name].code
            if modules[name].stop_reason in ("interrupted", "lm_unavailable", "lm_rejected"):
                report.stopped_early = modules[name].stop_reason == "interrupted"
                report.notes.append(f"Module {name} stopped ({modules[name].stop_reason}); the "
                                    "modules after it were not written.")
                return plan
        if len(order) > 1 and all(c.strip() for c in code.values()):
            self._integrate(requirements, plan, order, code, modules, report)
        return plan

    def forward(self, requirements: Requirements | str) -> dspy.Prediction:
        """Build the package; returns ``Prediction(files, report)`` (``files``: path ->
        text, see ``package_files``)."""
        if isinstance(requirements, str):
            requirements = requirements_from_flags(requirements)
        started = time.perf_counter()
        report = ProjectReport(requirements=requirements, status="failed")
        modules: dict[str, DevelopmentReport] = {}
        plan = None
        with dspy.track_usage() as tracker:
            try:
                plan = self._build(requirements, report, modules)
            except KeyboardInterrupt:
                report.stopped_early = True
            except ApprovalSourceError as exc:
                report.notes.append(f"Stopped: {exc}")
            if report.stopped_early:
                report.notes.append("Interrupted: the report holds what was built so far.")
        report.modules = modules
        report.status = project_status(plan, modules, report.integration_results,
                                       set(report.integration_unconfirmed))
        # the run's tracker sees every call, the modules' own included
        report.cost = cost_from(tracker, time.perf_counter() - started)
        return dspy.Prediction(files=package_files(report), report=report)
