"""Project mode's report: the plan, each module's ``DevelopmentReport``, the integration tests
and every round of fixing them, the cost, and a status in words.

A project is a ``success`` only when every module is and every integration test passes; a
module nothing checked makes it ``unverified``; a plan that never passed its checks, or a
module without code, makes it ``failed``.

Example:
    >>> print(render_project_report(report))  # doctest: +SKIP
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from dspy_coder.task.project_plan import ProjectPlan
from dspy_coder.task.project_requirements import Requirements
from dspy_coder.types import (
    ApprovalRecord,
    Cost,
    DevelopmentReport,
    DroppedTest,
    ReportStatus,
    TestCase,
    TestOutcome,
)


class IntegrationRound(BaseModel):
    """One run of the integration tests, and the modules sent back because of it."""

    passed: int
    total: int
    blamed: dict[str, list[str]] = Field(
        default_factory=dict, description="Failed test -> the module(s) it points at."
    )
    refined: list[str] = Field(default_factory=list, description="Modules rewritten after it.")
    not_kept: dict[str, str] = Field(
        default_factory=dict, description="Module -> why its rewrite after this round was "
        "thrown away (the package passed fewer integration tests, or the module fewer of the "
        "unit tests that judged it).")
    adopted: dict[str, int] = Field(
        default_factory=dict, description="Module -> the attempt (index in its report) that "
        "replaced its answer because the package then passed more integration tests.")
    unconfirmed: dict[str, str] = Field(
        default_factory=dict, description="Failed test -> why it did not count: no other "
        "candidate of the module it is blamed on passed it either.")


class ProjectReport(BaseModel):
    requirements: Requirements
    status: ReportStatus
    plan: ProjectPlan | None = None
    plan_problems: list[list[str]] = Field(
        default_factory=list, description="The problems of each rejected plan, in order."
    )
    rejected_plans: list[ProjectPlan | None] = Field(
        default_factory=list, description="Each rejected plan (None: the answer was unreadable)."
    )
    build_order: list[str] = Field(default_factory=list)
    modules: dict[str, DevelopmentReport] = Field(default_factory=dict)
    integration_tests: list[TestCase] = Field(default_factory=list)
    integration_tests_raw: str = Field(default="", description="The writer's whole answer.")
    integration_tests_dropped: list[DroppedTest] = Field(
        default_factory=list,
        description="Integration tests read from the answer but not run, with the reason.")
    integration_results: list[TestOutcome] = Field(default_factory=list)
    integration_unconfirmed: dict[str, str] = Field(
        default_factory=dict, description="Integration tests that fail at the end but do not "
        "count, with the reason (see pipeline.integration_candidates).")
    integration_rounds: list[IntegrationRound] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    stopped_early: bool = Field(default=False, description="Ctrl-C or a signal ended the run.")
    approvals: list[ApprovalRecord] = Field(
        default_factory=list, description="The person's answers at the plan gate.")
    cost: Cost = Field(default_factory=Cost)


def project_status(plan: ProjectPlan | None, modules: dict[str, DevelopmentReport],
                   results: list[TestOutcome], unconfirmed: set[str] | None = None
                   ) -> ReportStatus:
    """See the module docstring; a failing integration test in ``unconfirmed`` does not
    count (no candidate of its module passes it: the test may be wrong)."""
    if plan is None or not modules or any(not r.code.strip() for r in modules.values()):
        return "failed"
    integration_ok = all(o.passed or o.name in (unconfirmed or set()) for o in results)
    statuses = {r.status for r in modules.values()}
    if statuses == {"success"} and integration_ok:
        return "success"
    if statuses <= {"success", "unverified"} and integration_ok:
        return "unverified"
    return "partial"


def render_project_report(report: ProjectReport) -> str:
    """A short summary for a terminal."""
    lines = [f"Project: {report.status.upper()}   package "
             f"{report.plan.package if report.plan else '(no plan)'}"]
    for problems in report.plan_problems:
        lines.append("Plan rejected: " + " ".join(problems))
    for name in report.build_order:
        module = report.modules.get(name)
        if module is None:
            lines.append(f"  {name}: not written")
            continue
        score = "n/a" if module.score is None else f"{module.score:.2f}"
        lines.append(f"  {name}: {module.status} (score {score}, {len(module.attempts)} "
                     f"attempts, {module.cost.lm_calls} LM calls)")
    if report.integration_tests:
        passed = sum(outcome.passed for outcome in report.integration_results)
        lines.append(f"Integration tests: {passed}/{len(report.integration_results)} passed "
                     f"after {len(report.integration_rounds)} round(s)")
        for outcome in report.integration_results:
            if not outcome.passed:
                kind = ("UNCONFIRMED" if outcome.name in report.integration_unconfirmed
                        else "FAILED")
                lines.append(f"  {kind} {outcome.name}: {outcome.message.splitlines()[0]}"
                             if outcome.message else f"  {kind} {outcome.name}")
        if report.integration_unconfirmed:
            lines.append(f"  ({len(report.integration_unconfirmed)} unconfirmed: no other "
                         "candidate of the blamed module passes them; they do not count)")
    if report.integration_tests_dropped:
        lines.append(f"Integration tests not run: {len(report.integration_tests_dropped)}")
        lines += [f"  {d.name}: {d.reason}" for d in report.integration_tests_dropped[:5]]
    cost = report.cost
    lines.append(f"Cost: {cost.lm_calls} LM calls, {cost.prompt_tokens} prompt + "
                 f"{cost.completion_tokens} completion tokens, {cost.wall_time_s:.1f}s wall")
    lines += [f"Note: {note}" for note in report.notes]
    return "\n".join(lines)
