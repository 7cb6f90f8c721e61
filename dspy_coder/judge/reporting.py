"""Build the ``DevelopmentReport`` from a finished run, and render it for a terminal.

Example:
    >>> print(render_report(report))   # doctest: +SKIP
"""

from __future__ import annotations

from dspy_coder.judge.feedback import ALL_PASSED
from dspy_coder.judge.method_coverage import unchecked_names
from dspy_coder.judge.run_record import RunRecord
from dspy_coder.judge.vetting import mark_vetted
from dspy_coder.types import Cost, DevelopmentReport, PerformanceMetrics

# how a person writes an example into the task, in every note that asks for one
EXAMPLE_FORMS = "f(2) returns 4, or >>> f(2) then 4"

UNVERIFIED_NOTE = (
    "UNVERIFIED: no test checked what this code does. It runs, but the task gives no "
    "examples, and no generated test was confirmed by at least two "
    "independently written candidates, so nothing here says it is right. Read it, or add "
    f"examples ({EXAMPLE_FORMS}) to the task and run again (--approve "
    "examples asks you to confirm the ones it proposes)."
)

DISPUTED_NOTE = (
    "UNVERIFIED: the independently written candidates disagree on what the task asks: "
    "fewer than half of them agree on the tests this code passes, or on what it returns "
    "for the same inputs, so passing those tests proves little. Read it, or add examples "
    f"({EXAMPLE_FORMS}) to the task and run again (--approve examples "
    "asks you to confirm the ones it proposes)."
)


RAISES_NOTE = (
    "UNVERIFIED: this code raises an exception on most of the inputs the generated tests "
    "call it with, so the few tests it passes say little about whether it does what the "
    f"task asks. Read it, or add examples ({EXAMPLE_FORMS}) to the task "
    "and run again (--approve examples asks you to confirm the ones it proposes)."
)
UNCHECKED_METHODS_NOTE = (
    "UNVERIFIED: the tests this code passes call only some of the methods or functions "
    "the task asks for, so nothing checked the others (named in the next note). Read "
    f"them, or add examples ({EXAMPLE_FORMS}) for them to the task and "
    "run again."
)
NEARLY_BACKED_NOTE = (
    "Differential testing: most independently written candidates return what this code "
    "returns on all but one of the probe inputs; that input may be one the task leaves open, "
    "so check what the code does with it."
)
AGREEMENT_ONLY_NOTE = (
    "Checked by agreement only: the task has no examples, so this code passes tests the model "
    "wrote that independently written candidates agree on; a misreading of the task that they "
    "all share would pass too. Say what it should return with examples in the task (>>> f(x) "
    "then the value), or let --approve examples (or questions) ask you."
)
OPEN_QUESTIONS_NOTE = "Where the candidates disagree (nothing in the task settles it):"
# the complexity a task states is measured only by profiling a function on growing inputs
UNMEASURED_COMPLEXITY = "Not measured: the task asks for"
NO_SCORE = {UNVERIFIED_NOTE: "n/a (no test checked it)",
            DISPUTED_NOTE: "n/a (its checks are disputed)",
            RAISES_NOTE: "n/a (it raises on most test inputs)",
            UNCHECKED_METHODS_NOTE: "n/a (some of what the task names was never called by a "
                                    "test)"}


def _why_unverified(state: RunRecord, best) -> str:
    """The note saying why ``best`` has no verdict: it raises on most test inputs, its checks
    are disputed, or nothing checked it."""
    if state.raises_on_most_inputs(best):
        return RAISES_NOTE
    return DISPUTED_NOTE if _disputed(state, best) else UNVERIFIED_NOTE


def _status(state: RunRecord, best, threshold: float) -> str:
    """success only for checked code that passes everything; unverified for code that runs
    and failed nothing that counts but that no test checked."""
    if best is None or not best.code.strip():
        return "failed"  # nothing to show for the run, whatever a score says
    if state.passed_checks(best, threshold):
        return "success"
    if best.rejected:
        return "unverified"  # a person said no, whatever the tests say
    broken = best.execution is None or best.execution.status not in ("passed", "failed")
    if best.test_score is not None and best.test_score < 1.0:
        return "partial" if best.test_score > 0 else "failed"
    if broken:
        return "failed"
    return "partial" if best.checked and state.has_verdict(best) else "unverified"


def _disputed(state: RunRecord, best) -> bool:
    """A minority agreement, or candidates that pass the same tests but behave differently
    (differential testing)."""
    return state.disputed or not state.behaviour_backed(best)


def build_report(state: RunRecord, threshold: float, cost: Cost) -> DevelopmentReport:
    """The best attempt (not the last), its tests and metrics, and the whole trail."""
    best = state.best()
    tests = mark_vetted(list(state.tests), set(state.counted))
    has_code = best is not None and bool(best.code.strip())
    status = _status(state, best, threshold)
    notes = list(state.notes)
    # a class passing every counted test is no success while some of its methods none calls,
    # nor is code for a task naming several functions while some of them none calls
    unchecked = (unchecked_names(state.task.prompt, state.task.entry_point, tests)
                 if status == "success" else [])
    if unchecked:
        status = "unverified"
        notes += [UNCHECKED_METHODS_NOTE,
                  f"No counted test calls {', '.join(unchecked)}."]
    if best is not None and not has_code:
        notes.append("No attempt produced any code (see the error trail): the run failed.")
    elif best is not None and best.rejected:
        notes.append(f"The reviewer rejected this answer: {best.rejected}")
    elif status == "unverified" and UNCHECKED_METHODS_NOTE not in notes:
        notes.append(_why_unverified(state, best))
    if status == "success" and state.backed_only_nearly(best):
        notes.append(NEARLY_BACKED_NOTE)
    if status == "success" and not state.has_examples:
        notes.append(AGREEMENT_ONLY_NOTE)
    stated = state.stated_targets.time_complexity if state.stated_targets else None
    if stated and has_code and best.metrics.time_complexity is None:
        # issue #20's LRU cache (1.5B, 2026-12-07): a success whose get and put are O(n)
        notes.append(f"{UNMEASURED_COMPLEXITY} {stated}, but this code's complexity was never "
                     "measured (only a function the generated make_input(n) feeds growing "
                     "inputs is profiled), so read the code for it.")
    unvetted = [t.name for t in tests if not t.vetted]
    if unvetted:
        notes.append(
            f"{len(unvetted)} generated test(s) were never confirmed (by a candidate that "
            "passes the docstring examples, or by agreeing candidates) and did not count: "
            f"{', '.join(unvetted)}."
        )
    report = DevelopmentReport(
        task=state.task,
        status=status,
        code=best.code if best else "",
        tests=tests,
        metrics=best.metrics if best else PerformanceMetrics(),
        plan=state.plan,
        route=state.route,
        iterations_used=max((a.iteration for a in state.attempts), default=0),
        best_iteration=best.iteration if best else None,
        score=(best.score if best.checked and state.has_verdict(best) and not unchecked
               else None) if has_code else 0.0,
        score_history=state.iteration_bests(),
        attempts=state.attempts,
        error_trail=list(state.errors),
        notes=notes,
        stop_reason=state.stop_reason,
        cost=cost,
        approvals=list(state.approvals),
        spec=state.spec,
        checkpoints=list(state.checkpoints),
        escalated=state.escalated,
    )
    return state.test_audit.attach(report) if state.test_audit else report


def _history_text(report: DevelopmentReport) -> str:
    """The best score by each iteration, or ``n/a`` beside a headline that has no score: the
    unchecked attempts' zeros would read as failures ("score n/a ... history 0.00, 0.00")."""
    if report.score is None:
        return "n/a"
    return ", ".join(f"{score:.2f}" for score in report.score_history)


def render_report(report: DevelopmentReport) -> str:
    """A short human-readable summary for the terminal."""
    why = next((note for note in NO_SCORE if note in report.notes), UNVERIFIED_NOTE)
    no_score = NO_SCORE[why]
    lines = [
        f"Status: {report.status.upper()}   score "
        f"{no_score if report.score is None else f'{report.score:.2f}'}   "
        f"(best of {len(report.attempts)} attempts, iteration {report.best_iteration}, "
        f"stopped: {report.stop_reason or 'n/a'})",
        f"Route: {report.route}   iterations used: {report.iterations_used}   "
        f"score history: {_history_text(report)}",
    ]
    best = next(
        (
            a
            for a in report.attempts
            if a.iteration == report.best_iteration and a.code == report.code
        ),
        None,
    )
    if best and best.execution:
        lines.append(
            f"Tests: {best.execution.tests_passed}/{best.execution.tests_total} passed "
            f"({_counted_text(report)})   "
            f"time {report.metrics.execution_time_s or 0:.3f}s   "
            f"peak memory {report.metrics.peak_memory_mb or 0:.0f} MB"
            + (
                f"   complexity {report.metrics.time_complexity}"
                if report.metrics.time_complexity
                else ""
            )
        )
    cost = report.cost
    lines.append(
        f"Cost: {cost.lm_calls} LM calls, {cost.prompt_tokens} prompt + "
        f"{cost.completion_tokens} completion tokens, {cost.wall_time_s:.1f}s wall"
    )
    if report.tiers:
        lines.append(f"Senior: {len(report.checkpoints)} checkpoint(s), "
                     f"{'escalated' if report.escalated else 'no escalation'}; " + "; ".join(
                         f"{tier} {c.lm}: {c.calls} calls, "
                         f"{c.prompt_tokens + c.completion_tokens} tokens, {c.wall_time_s:.1f}s"
                         + (f", ${c.cost_usd:.4f}" if c.cost_usd else "")
                         for tier, c in report.tiers.items()))
    for approval in report.approvals:
        lines.append(f"Approval: {approval.gate} round {approval.round}: {approval.verdict}"
                     + (f" ({approval.reason})" if approval.reason else "")
                     + f" by {approval.by} at {approval.at}")
    if best and best.feedback and best.feedback != ALL_PASSED:
        lines.append("Remaining failures:\n  " + best.feedback.replace("\n", "\n  "))
    for error in report.error_trail[-3:]:
        lines.append(f"Error: {error}")
    if report.status == "unverified":
        lines.append(why)
    if AGREEMENT_ONLY_NOTE in report.notes:
        lines.append(AGREEMENT_ONLY_NOTE)
    lines += [note for note in report.notes
              if note.startswith((OPEN_QUESTIONS_NOTE, UNMEASURED_COMPLEXITY))]
    lines.append("-" * 60)
    lines.append(report.code.rstrip())
    return "\n".join(lines)


def _counted_text(report: DevelopmentReport) -> str:
    """How many tests counted, saying how many of them only check names (the task's, and those
    the code uses): those pass for code that does the wrong thing."""
    counted = [t for t in report.tests if t.vetted]
    static = sum(t.is_static_check for t in counted)
    return f"{len(counted)} counted" + (f", {static} of them static checks of names" if static
                                         else "")
