"""Typed records that flow through dspy-coder. All are pydantic models and serialise to JSON.

Data flow: ``Task`` -> ``Plan`` -> code + ``TestCase`` list -> ``ExecutionResult`` (sandbox) ->
``PerformanceMetrics`` -> ``Attempt`` (scored) -> ``DevelopmentReport``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

# ---------------------------------------------------------------------------------------------
# Sandbox results
# ---------------------------------------------------------------------------------------------

ExecutionStatus = Literal["passed", "failed", "error", "timeout", "memory", "crashed"]


class TestOutcome(BaseModel):
    """The result of one test: a ``def test_*`` function or one assert of a ``check``."""

    __test__ = False  # tests import it: without this pytest warns it cannot collect it

    name: str
    passed: bool
    message: str = Field(
        default="",
        description="For a failure: the call, expected vs actual value, or the exception "
        "with traceback lines from the user's code only. Empty when passed.",
    )
    duration_s: float = 0.0


class ExecutionResult(BaseModel):
    """What one sandboxed run produced. Failures of the code under test live here, as data."""

    status: ExecutionStatus
    tests: list[TestOutcome] = Field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    duration_s: float = 0.0
    peak_memory_mb: float = 0.0
    error: str = Field(
        default="",
        description="Module-level failure (syntax error, import error, timeout, crash) as text "
        "for the model to read.",
    )
    isolation: list[str] = Field(
        default_factory=list, description="Isolation layers that were active for this run."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def tests_passed(self) -> int:
        return sum(1 for t in self.tests if t.passed)

    @property
    def tests_total(self) -> int:
        return len(self.tests)

    @property
    def pass_rate(self) -> float:
        """Fraction of tests passed; a clean run with no tests counts as 1.0 if it passed."""
        if not self.tests:
            return 1.0 if self.passed else 0.0
        return self.tests_passed / self.tests_total


ComplexityClass = Literal["O(1)", "O(log n)", "O(n)", "O(n log n)", "O(n^2)", "O(n^3)", "O(2^n)"]

COMPLEXITY_ORDER: tuple[str, ...] = (
    "O(1)",
    "O(log n)",
    "O(n)",
    "O(n log n)",
    "O(n^2)",
    "O(n^3)",
    "O(2^n)",
)


class ComplexityEstimate(BaseModel):
    """Empirical complexity class fitted to timings over growing input sizes."""

    label: ComplexityClass
    fit_quality: float = Field(description="R^2 of the chosen model on the timings (0..1).")
    sizes: list[int] = Field(default_factory=list)
    times_s: list[float] = Field(default_factory=list)


class PerformanceMetrics(BaseModel):
    """Measured performance of a candidate."""

    execution_time_s: float | None = None
    peak_memory_mb: float | None = None
    time_complexity: str | None = None
    complexity_fit: float | None = None
    space_complexity: str | None = None


# ---------------------------------------------------------------------------------------------
# Task and planning
# ---------------------------------------------------------------------------------------------


class DocExample(BaseModel):
    """A ground-truth example taken from the task's own docstring (``>>> f(1)`` then ``2``)."""

    call: str = Field(description="The expression, e.g. 'add(1, 2)'.")
    expected: str = Field(description="The expected value as Python source, e.g. '3'; empty "
                          "when the docstring shows the call without a result (it only has to "
                          "run).")
    setup: str = Field(
        default="", description="Statements run before the call, e.g. 's = Stack()' (a class's "
        "method examples); empty for a function's."
    )


class Task(BaseModel):
    """A coding task: a HumanEval-style prompt (signature + docstring) or a free-text goal.

    A benchmark's hidden tests are deliberately *not* a field here: a Task carries only what a
    user would give the program.
    """

    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1)
    entry_point: str | None = None
    task_id: str | None = None
    examples: list[DocExample] = Field(default_factory=list)
    context_code: str = Field(
        default="",
        description="Code the answer builds on (a project's modules it depends on): shown to "
        "the model, run before the answer, never part of it.",
    )
    context_imports: list[str] = Field(
        default_factory=list,
        description="The modules context_code stands for (a project's package, then its "
        "modules): the answer's imports of them are dropped when it runs, as context_code "
        "defines what they import; the answer keeps them.",
    )
    feedback: str = Field(
        default="",
        description="What an earlier answer to this task got wrong (e.g. a failing integration "
        "test): shown to the model, never read as requirements or examples.",
    )


class PerformanceTargets(BaseModel):
    time_complexity: str = Field(default="", description="e.g. 'O(n log n)'")
    space_complexity: str = Field(default="", description="e.g. 'O(n)'")
    max_time_s: float | None = None
    max_memory_mb: float | None = None


class Plan(BaseModel):
    approach: str = ""
    steps: list[str] = Field(default_factory=list)
    edge_cases: list[str] = Field(default_factory=list)
    performance: PerformanceTargets = Field(default_factory=PerformanceTargets)


TestSource = Literal["docstring", "generated", "requirement", "property"]


class TestCase(BaseModel):
    """One test the program runs: a docstring example, a generated test, a requirement the
    task states in prose (a name it calls for; judged from the source, not run), or a property
    it states (a round trip, idempotence, an unchanged input; run on the tests' inputs)."""

    __test__ = False  # tests import it: without this pytest warns it cannot collect it

    name: str
    code: str = Field(description="pytest-style function source: 'def test_x():\\n    assert ...'")
    source: TestSource = "generated"
    vetted: bool = Field(
        default=False,
        description="Docstring tests are always trusted; a generated test may fail a candidate "
        "only once vetted.",
    )

    @property
    def is_static_check(self) -> bool:
        """A requirement check: of the names the task calls for, the names the code uses and
        the attributes it reads from its modules. It passes for code that does the wrong
        thing, so it tests no behaviour."""
        return self.source == "requirement"


class DroppedTest(BaseModel):
    """A generated test the run did not use, and why: unreadable, unrelated to the task,
    contradicting a docstring example, or rejected by the candidates' agreement."""

    __test__ = False  # tests import it: without this pytest warns it cannot collect it

    name: str = Field(description="The test's name as written, or an excerpt of its source.")
    reason: str
    code: str = Field(
        default="",
        description="The runnable test (TestCase.code) when it got that far; empty when it "
        "was dropped while reading the test writer's output.",
    )


# ---------------------------------------------------------------------------------------------
# Attempts and the report
# ---------------------------------------------------------------------------------------------


class LMUsage(BaseModel):
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, other: LMUsage) -> LMUsage:
        return LMUsage(
            calls=self.calls + other.calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class Cost(BaseModel):
    lm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_time_s: float = 0.0
    per_lm: dict[str, LMUsage] = Field(default_factory=dict)


class Attempt(BaseModel):
    """One iteration's candidate, kept forever in the audit trail."""

    iteration: int
    stage: Literal["generate", "refine", "rewrite", "sample", "edit"] = Field(
        default="generate", description="How it was written; 'edit' is a person's edit at the "
        "final approval gate.")
    code: str
    reasoning: str = ""
    tests: list[TestCase] = Field(default_factory=list)
    execution: ExecutionResult | None = None
    metrics: PerformanceMetrics = Field(default_factory=PerformanceMetrics)
    score: float = 0.0
    test_score: float | None = Field(
        default=0.0, description="Fraction of counted tests passed; None when none counted."
    )
    performance_score: float = 0.0
    checked: bool = Field(
        default=False,
        description="Tests that count checked its behaviour: docstring examples, or generated "
        "tests that independent candidates agree on. Unchecked code is never a success.",
    )
    feedback: str = ""
    outputs: list[str] | None = Field(
        default=None,
        description="Differential testing (a task without examples): what the code returned on "
        "the run's probe inputs, in order; None when it was not probed or returned nothing.",
    )
    usage: LMUsage = Field(default_factory=LMUsage)
    duration_s: float = 0.0
    error: str = ""
    rejected: str = Field(
        default="", description="Why a person rejected it at the final approval gate; a "
        "rejected attempt is never the answer while another is left.")
    tier: Literal["junior", "senior"] = Field(
        default="junior", description="Who wrote it: the senior after an escalation.")


class Checkpoint(BaseModel):
    """A senior review of the junior's failed attempts (progressive disclosure)."""

    number: int
    iteration: int = Field(description="The last iteration the senior saw.")
    disclosed: list[str] = Field(description="What it gave: debugging, strategy, tests.")
    guidance: str = Field(description="The review as the junior reads it.")
    tests: list[str] = Field(default_factory=list,
                             description="Names of the tests it proposed (vetted as generated).")


class TierCost(BaseModel):
    """What one tier (junior or senior) cost in a run."""

    lm: str
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_time_s: float = 0.0
    cost_usd: float | None = Field(
        default=None, description="From LiteLLM's cost map; None when it has no price (local).")


class ApprovalRecord(BaseModel):
    """Who answered an approval gate, when, how and why."""

    gate: Literal["plan", "examples", "questions", "final"]
    round: int
    verdict: Literal["approve", "reject", "edit"]
    reason: str = ""
    edited: bool = False
    by: str = Field(description="The approval source: terminal:USER, command:..., file:...")
    at: str = Field(description="When, ISO 8601 UTC.")
    iteration: int | None = Field(default=None, description="The result's iteration (final).")


ReportStatus = Literal["success", "partial", "unverified", "failed"]


class DevelopmentReport(BaseModel):
    """Everything a run produced: the best code, its tests and metrics, and the audit trail."""

    task: Task
    status: ReportStatus
    code: str = ""
    tests: list[TestCase] = Field(default_factory=list)
    metrics: PerformanceMetrics = Field(default_factory=PerformanceMetrics)
    plan: Plan | None = None
    route: str = ""
    iterations_used: int = 0
    best_iteration: int | None = None
    score: float | None = Field(
        default=0.0,
        description="The best attempt's score; None when unverified (no test checked it, or "
        "its checks are disputed).",
    )
    score_history: list[float] = Field(default_factory=list)
    attempts: list[Attempt] = Field(default_factory=list)
    error_trail: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    stop_reason: str = ""
    cost: Cost = Field(default_factory=Cost)
    generated_tests_raw: str = Field(
        default="", description="What the test writer answered, before any test was read."
    )
    dropped_tests: list[DroppedTest] = Field(
        default_factory=list, description="Generated tests the run did not use, with reasons."
    )
    approvals: list[ApprovalRecord] = Field(
        default_factory=list, description="Every answer a person gave at an approval gate.")
    spec: str = Field(default="", description="The senior's minimal spec the junior started from.")
    checkpoints: list[Checkpoint] = Field(default_factory=list)
    escalated: bool = Field(default=False, description="The senior took the task over.")
    tiers: dict[str, TierCost] = Field(
        default_factory=dict, description="Cost per tier when a senior took part.")
