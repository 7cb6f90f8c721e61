"""``RunRecord``: everything one ``Coder`` call has seen, changed only through its methods.

Attempts are appended, never replaced; adding an attempt or rejecting a test rescores every
attempt against the current counted tests, so scores stay comparable across the run. Readers
(the loop, the report) get tuples and values; nothing outside this class changes it.

Example:
    >>> record = RunRecord(task, tracker, AttemptScoring())        # doctest: +SKIP
    >>> record.add_attempt(evaluator.evaluate(record, code, draw))  # doctest: +SKIP
    >>> record.best().score                                         # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from dspy.utils.usage_tracker import UsageTracker

from dspy_coder.code.identity import program_identity
from dspy_coder.code.pieces import unwritten_count
from dspy_coder.judge.differential import RAISES_PREFIX
from dspy_coder.judge.feedback import ALL_PASSED, format_failures
from dspy_coder.judge.generated_audit import GeneratedTestAudit
from dspy_coder.judge.scoring import ScoreWeights, score_execution
from dspy_coder.judge.usage import total_usage, usage_by_lm, usage_delta
from dspy_coder.judge.vetting import Consensus, counted_tests, dual_agreement, meets_stated
from dspy_coder.types import (
    ApprovalRecord,
    Attempt,
    Checkpoint,
    ExecutionResult,
    LMUsage,
    PerformanceTargets,
    Plan,
    Task,
    TestCase,
)

NO_CODE_FEEDBACK = "No code was produced."
INDEPENDENT_STAGES = ("generate", "sample")  # written from the task alone, not from failures
# below this many probe inputs, candidates back each other only by agreeing on every one
NEAR_AGREEMENT_MIN_INPUTS = 5


@dataclass(frozen=True)
class AttemptScoring:
    """How an attempt's run becomes a score: the weights and the run's time limit."""

    weights: ScoreWeights = field(default_factory=ScoreWeights)
    timeout_s: float = 10.0


class RunRecord:
    """The per-call record of one ``Coder`` run."""

    def __init__(self, task: Task, tracker: UsageTracker, scoring: AttemptScoring) -> None:
        self.task = task
        self._tracker = tracker
        self._scoring = scoring
        self._route = "complex"
        self._plan: Plan | None = None
        self._stated_targets: PerformanceTargets | None = None
        self._consensus: Consensus | None = None
        self._test_audit: GeneratedTestAudit | None = None
        self._tests: list[TestCase] = []
        self._make_input: str | None = None
        self._probe: str | None = None
        self._attempts: list[Attempt] = []
        self._counted: set[str] = set()
        self._notes: list[str] = []
        self._errors: list[str] = []
        self._stop_reason = ""
        self._approvals: list[ApprovalRecord] = []
        self._spec = ""
        self._checkpoints: list[Checkpoint] = []
        self._escalated = False
        self._escalated_at = 0
        self._senior_seconds = 0.0
        self._senior_usage = LMUsage()
        self._usage_snapshot: dict[str, LMUsage] = {}

    # -- reading -------------------------------------------------------------------------------

    route = property(lambda self: self._route)
    plan = property(lambda self: self._plan)
    make_input = property(lambda self: self._make_input)
    probe = property(lambda self: self._probe)  # differential testing's probe test, if any
    stop_reason = property(lambda self: self._stop_reason)
    spec = property(lambda self: self._spec)  # the senior's minimal spec, if any
    escalated = property(lambda self: self._escalated)
    escalated_at = property(lambda self: self._escalated_at)  # the junior's last iteration
    senior_seconds = property(lambda self: self._senior_seconds)  # wall time in the senior
    senior_usage = property(lambda self: self._senior_usage)  # its calls and tokens

    @property
    def checkpoints(self) -> tuple[Checkpoint, ...]:
        return tuple(self._checkpoints)

    @property
    def tests(self) -> tuple[TestCase, ...]:
        return tuple(self._tests)

    @property
    def attempts(self) -> tuple[Attempt, ...]:
        return tuple(self._attempts)

    @property
    def counted(self) -> frozenset[str]:
        """Names of the tests that may fail a candidate (docstring tests and vetted ones)."""
        return frozenset(self._counted)

    @property
    def has_examples(self) -> bool:
        """Whether ground-truth examples judge the run (the task's docstring examples, or a
        person's): then the candidates' agreement and votes decide nothing."""
        return any(t.source == "docstring" for t in self._tests)

    @property
    def consensus(self) -> Consensus | None:
        """Without docstring examples: the generated tests independent candidates agree on."""
        return self._consensus

    @property
    def test_audit(self) -> GeneratedTestAudit | None:
        """The test writer's raw answer and the tests dropped while reading it."""
        return self._test_audit

    @property
    def targets(self) -> PerformanceTargets | None:
        """What performance is scored against: the task's stated target over the plan's."""
        planned = self._plan.performance if self._plan else None
        if self._stated_targets is None:
            return planned
        if planned is None:
            return self._stated_targets
        stated = self._stated_targets.model_dump(exclude_defaults=True)
        return planned.model_copy(update=stated)

    @property
    def stated_targets(self) -> PerformanceTargets | None:
        """Performance the task itself asks for, if it states any."""
        return self._stated_targets

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(self._notes)

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(self._errors)

    @property
    def approvals(self) -> tuple[ApprovalRecord, ...]:
        """Every answer a person gave at an approval gate, in order."""
        return tuple(self._approvals)

    def best(self) -> Attempt | None:
        """The attempt the evidence favours: one no reviewer rejected, a reviewer's own edit,
        then checked over unchecked, then the higher score,
        then more counted tests passed, code over none, fewer of the task's functions left
        unwritten (``unwritten_count``; code that does not parse counts as leaving them all),
        a clean run over a broken one, the program the independent candidates agree with
        most often, and only then the earlier one."""
        if not self._attempts:
            return None
        agreement = self._behaviour_agreement()
        # parsed over unparsed, then fewer unwritten functions
        written = [(n is not None, -(n or 0))
                   for n in (unwritten_count(a.code, self.task.entry_point)
                             for a in self._attempts)]
        ranked = max(
            enumerate(self._attempts),
            key=lambda pair: (
                not pair[1].rejected,
                pair[1].stage == "edit",
                pair[1].checked,
                pair[1].score,
                pair[1].test_score or 0.0,
                bool(pair[1].code.strip()),
                written[pair[0]],
                _ran_cleanly(pair[1]),
                agreement[pair[0]],
                -pair[0],
            ),
        )
        return ranked[1]

    def _behaviour_agreement(self) -> list[int]:
        """For each attempt, how strongly the independent candidates vouch for it (itself
        included). With a probe (differential testing) agreement is counted input by input,
        as MBR-exec does: the number of (independent candidate, probe input) pairs on which
        they return the same value, an exception vouching for nothing. HumanEval/88 stripped:
        no two candidates agreed on every input, all tied at one vote, and the first draft was
        returned though it alone raised on ``[]``. Without a probe, the candidates that pass
        and fail exactly the same generated tests. A repair behaving like a group scores as
        its members do, so the earlier, independent member wins the tie (Mbpp/278: a repair
        chasing unconfirmed tests matched the majority on the probe inputs, got one vote more
        than the first draft it came from, and was returned, wrong, instead of it)."""
        independent = [a for a in self._attempts if a.stage in INDEPENDENT_STAGES]
        if self._probe is not None:
            outputs = [_probe_outputs(a) for a in self._attempts]
            others = [_probe_outputs(a) for a in independent]
            return [sum(_same_values(mine, other) for other in others) for mine in outputs]
        generated = [t.name for t in self._tests if t.source == "generated"]

        def outcomes(attempt: Attempt) -> tuple | None:
            if attempt.execution is None or not attempt.code.strip():
                return None
            passed = {t.name: t.passed for t in attempt.execution.tests}
            return tuple(passed.get(name, False) for name in generated)

        others = [outcomes(a) for a in independent]
        return [sum(1 for other in others if mine is not None and other == mine)
                for mine in (outcomes(a) for a in self._attempts)]

    def behaviour_groups(self) -> list[int]:
        """Sizes of the groups of independent candidates that return the same outputs on the
        probe inputs, largest first (empty without a probe)."""
        if self._probe is None:
            return []
        outputs = [tuple(a.outputs) for a in self._attempts
                   if a.stage in INDEPENDENT_STAGES and a.outputs]
        return sorted(Counter(outputs).values(), reverse=True)

    def iteration_bests(self) -> list[float]:
        """Best score reached by the end of each iteration (non-decreasing)."""
        history: list[float] = []
        best = 0.0
        for iteration in sorted({a.iteration for a in self._attempts}):
            scores = [a.score for a in self._attempts if a.iteration == iteration]
            best = max(best, *scores)
            history.append(round(best, 4))
        return history

    def passed_checks(self, attempt: Attempt, threshold: float) -> bool:
        """Whether ``attempt`` is a verified success: checked, every counted test passed,
        the score reaches ``threshold``, and (without docstring examples) most independent
        candidates agree on the tests that checked it; never one a reviewer rejected."""
        return not attempt.rejected and attempt.checked and (attempt.test_score or 0.0) >= 1.0 and (
            attempt.score >= threshold
        ) and self.has_verdict(attempt)

    def has_verdict(self, attempt: Attempt) -> bool:
        """Whether the checks ``attempt`` passed say something: the agreement they rest on is
        not disputed, most candidates behave like it, and it does not raise on most test
        inputs (each always true with docstring examples)."""
        return not self.disputed and self.behaviour_backed(attempt) and (
            not self.raises_on_most_inputs(attempt))

    def raises_on_most_inputs(self, attempt: Attempt) -> bool:
        """Without docstring examples: ``attempt`` raises an exception (not a failed assert) on
        most of the generated tests, counted or not. Their inputs are a reader's idea of what
        the function is called with; code that cannot take most of them is no success, however
        many candidates agree on the rest (Mbpp/301: four candidates agreed on
        ``dict_depth({}) == 0`` and raised AttributeError on every nested dictionary)."""
        if attempt.execution is None or self.has_examples:
            return False
        generated = {t.name for t in self._tests if t.source == "generated"}
        results = [t for t in attempt.execution.tests if t.name in generated]
        raised = [t for t in results if not t.passed and _raised(t.message)]
        return 2 * len(raised) > len(results)

    @property
    def disputed(self) -> bool:
        """Without docstring examples: the counted tests rest on a minority of independent
        candidates, so passing them is no verdict."""
        return not self.has_examples and self._consensus is not None and (
            self._consensus.agreed and not self._consensus.decisive
        )

    def behaviour_backed(self, attempt: Attempt) -> bool:
        """With a probe (differential testing): most independent candidates that meet the
        stated requirements return what ``attempt`` returns on the probe inputs, on every one
        or on all but one of at least ``NEAR_AGREEMENT_MIN_INPUTS``. Tests a few candidates
        agree on can be too weak to pin the behaviour down (HumanEval/88 stripped: 4 of 5
        candidates passed the same 3 tests, and all 5 behaved differently); one input may be
        one the task leaves open (HumanEval/24 stripped: seven right candidates differed only
        on ``largest_divisor(1)``). True without a probe, or when no candidate's outputs were
        read: nothing to compare."""
        return self._backers(attempt, slack=1) is not False

    def backed_only_nearly(self, attempt: Attempt) -> bool:
        """Backed, but only by candidates that differ from ``attempt`` on one probe input."""
        return self._backers(attempt, slack=1) is True and not self._backers(attempt, slack=0)

    def _backers(self, attempt: Attempt, slack: int) -> bool | None:
        """Whether most voting candidates differ from ``attempt`` on at most ``slack`` probe
        inputs (none below ``NEAR_AGREEMENT_MIN_INPUTS`` inputs on which some candidate
        returns a value); None when there is nothing to compare, or when docstring examples
        (ground truth, say a person's answers to the questions gate) judge instead."""
        if self._probe is None or self.has_examples:
            return None
        voting = [list(a.outputs) for a in self._attempts
                  if a.stage in INDEPENDENT_STAGES and a.outputs
                  and meets_stated(self._tests, a.execution)]
        if not voting:
            return None  # the probe told nothing of anyone
        mine = list(attempt.outputs or ())
        # an input every candidate raises on tells them apart by nothing (HumanEval/10
        # stripped: four of eight did, and one differing input in eight was one in four)
        telling = sum(1 for index in range(len(mine))
                      if any(len(outputs) == len(mine)
                             and not str(outputs[index]).startswith(RAISES_PREFIX)
                             for outputs in voting))
        allowed = slack if telling >= NEAR_AGREEMENT_MIN_INPUTS else 0
        alike = sum(1 for outputs in voting
                    if len(outputs) == len(mine)
                    and sum(a != b for a, b in zip(outputs, mine, strict=True)) <= allowed)
        return 2 * alike > len(voting)

    def snapshot(self) -> dict:
        """The record so far as plain JSON data (for a run directory's ``state.json``)."""
        return {
            "task": self.task.model_dump(), "route": self._route,
            "plan": self._plan.model_dump() if self._plan else None, "spec": self._spec,
            "tests": [t.model_dump() for t in self._tests],
            "attempts": [a.model_dump() for a in self._attempts],
            "approvals": [a.model_dump() for a in self._approvals],
            "checkpoints": [c.model_dump() for c in self._checkpoints],
            "escalated": self._escalated, "notes": list(self._notes),
            "errors": list(self._errors), "usage": total_usage(self.usage_now()).model_dump(),
        }

    def tried_programs(self) -> set[str]:
        """The ``program_identity`` of every candidate run so far."""
        return {program_identity(attempt.code) for attempt in self._attempts}

    # -- changing ------------------------------------------------------------------------------

    def take_usage(self) -> LMUsage:
        """LM usage since the previous call (attributed to the attempt being recorded)."""
        now = usage_by_lm(self._tracker)
        delta = usage_delta(self._usage_snapshot, now)
        self._usage_snapshot = now
        return delta

    def choose_route(self, route: str) -> None:
        self._route = route

    def set_plan(self, plan: Plan | None) -> None:
        self._plan = plan

    def set_test_audit(self, audit: GeneratedTestAudit) -> None:
        self._test_audit = audit

    def set_stated_targets(self, targets: PerformanceTargets | None) -> None:
        """Performance the task itself asks for (e.g. "O(1) each"); it overrides the plan's."""
        self._stated_targets = targets

    def set_tests(
        self, tests: Iterable[TestCase], make_input: str | None = None, probe: str | None = None
    ) -> None:
        """The run's tests (docstring tests first), fixed before the first attempt runs, and
        the probe every candidate's outputs are compared on (``judge.differential``)."""
        self._tests = list(tests)
        self._make_input = make_input
        self._probe = probe

    def note(self, text: str) -> None:
        self._notes.append(text)

    def error(self, text: str) -> None:
        self._errors.append(text)

    def stop(self, reason: str) -> None:
        self._stop_reason = reason

    def set_spec(self, spec: str) -> None:
        self._spec = spec

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        self._checkpoints.append(checkpoint)

    def usage_now(self) -> dict[str, LMUsage]:
        """Every LM call of the run so far, per LM (a snapshot for ``usage_delta``)."""
        return usage_by_lm(self._tracker)

    def spend_senior(self, seconds: float, usage: LMUsage) -> None:
        """Time and LM usage spent in the senior (measured around its calls)."""
        self._senior_seconds += seconds
        self._senior_usage = self._senior_usage.add(usage)

    def escalate(self, iteration: int) -> None:
        """The senior takes the task over after ``iteration``."""
        self._escalated, self._escalated_at = True, iteration

    def add_tests(self, tests: Iterable[TestCase],
                  retest: Callable[[Attempt], ExecutionResult]) -> None:
        """Tests that arrive mid-run (a senior's criteria): every attempt so far runs them
        too (``retest``), so scores stay comparable, and every attempt is rescored."""
        self._tests.extend(tests)
        for attempt in self._attempts:
            if attempt.code.strip() and attempt.execution is not None:
                attempt.execution = retest(attempt)
            attempt.tests = list(self._tests)
        self._recount()

    def add_approval(self, approval: ApprovalRecord) -> None:
        self._approvals.append(approval)

    def reject(self, attempt: Attempt, reason: str) -> None:
        """A reviewer rejected ``attempt`` (one of this record's): it is kept, never chosen
        while another is left."""
        if not any(a is attempt for a in self._attempts):
            raise ValueError("reject() takes an attempt of this record")
        attempt.rejected = reason

    def add_attempt(self, attempt: Attempt) -> Attempt:
        """Append ``attempt`` (its tests were the run's tests), update which tests count, and
        rescore every attempt; returns it scored."""
        self._attempts.append(attempt)
        self._recount()
        return attempt

    def _recount(self) -> None:
        """Which tests count, given every run so far, then rescore every attempt."""
        if not self.has_examples:
            independent = [
                a.execution for a in self._attempts
                if a.stage in INDEPENDENT_STAGES and a.code.strip()
            ]
            self._consensus = dual_agreement(self._tests, independent)
        self._counted = counted_tests(
            self._tests, [a.execution for a in self._attempts], self._consensus
        )
        self._rescore()

    def _rescore(self) -> None:
        """Re-apply the current counted set to every attempt so scores stay comparable.

        An attempt without code scores 0 whatever its run said: with no tests to fail, an
        empty module runs cleanly, and nothing must read that as a result."""
        targets = self.targets
        behaviour = self._counted & {
            t.name for t in self._tests if t.source in ("docstring", "generated")
        }
        agreed = self.has_examples or (self._consensus is not None and self._consensus.agreed)
        for attempt in self._attempts:
            if attempt.execution is None:
                continue
            feedback = format_failures(attempt.execution, self._counted)
            if not attempt.code.strip():
                attempt.score = attempt.test_score = attempt.performance_score = 0.0
                attempt.checked = False
                # the failing tests, if any; never "All tests passed." for no code
                attempt.feedback = NO_CODE_FEEDBACK if feedback == ALL_PASSED else feedback
                continue
            score = score_execution(
                attempt.execution,
                self._counted,
                attempt.metrics,
                targets,
                self._scoring.weights,
                self._scoring.timeout_s,
            )
            attempt.checked = bool(behaviour) and agreed
            # requirements alone (names defined) say nothing of behaviour: no score for it
            attempt.score = score.score if attempt.checked else 0.0
            attempt.test_score = score.test_score
            attempt.performance_score = score.performance_score
            attempt.feedback = feedback


# ``ValueError: ...``, ``StopIteration``: an exception's name, then its message or nothing
_EXCEPTION_LINE = re.compile(r"(?!AssertionError\b|Failed\b)(?:[a-z_]\w*\.)*[A-Z]\w*(?::|$)", re.M)


def _raised(message: str) -> bool:
    """Whether a failed test's message is an exception the code raised, not a failed assert
    (``assert ...``, ``AssertionError``) or pytest's ``Failed: DID NOT RAISE``."""
    return bool(_EXCEPTION_LINE.match(message.lstrip()))


def _probe_outputs(attempt: Attempt) -> list[str] | None:
    """What the attempt returned on the probe inputs; None when it has no code or no run."""
    if attempt.execution is None or not attempt.code.strip() or not attempt.outputs:
        return None
    return list(attempt.outputs)


def _same_values(mine: list[str] | None, other: list[str] | None) -> int:
    """On how many probe inputs two programs return the same value (raising counts for
    nothing: two programs failing alike say nothing about what the task wants)."""
    if mine is None or other is None or len(mine) != len(other):
        return 0
    return sum(1 for a, b in zip(mine, other, strict=True)
               if a == b and not a.startswith(RAISES_PREFIX))


def _ran_cleanly(attempt: Attempt) -> bool:
    return attempt.execution is not None and attempt.execution.status in ("passed", "failed")
