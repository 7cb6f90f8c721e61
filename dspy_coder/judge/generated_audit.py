"""What became of the test writer's answer: its raw text and every generated test the run
did not use, with the reason, for the ``DevelopmentReport``.

Tests are dropped at three points: while reading the answer (unparsable, marked skip, a
fixture nobody supplies, not using the function, over the limit: ``read_generated_tests``),
when they contradict a docstring example (``screen_generated_tests``), and during the run,
for a test that ran but the report no longer holds (the reason from a "Rejected ..." note;
dual agreement now keeps unconfirmed tests in the report, marked unvetted, instead).

Example:
    >>> from dspy_coder.types import DevelopmentReport, Task
    >>> audit = GeneratedTestAudit()
    >>> kept, notes = audit.screen("assert g(1) == 2", [], "f", [])
    >>> report = audit.attach(DevelopmentReport(task=Task(prompt="f"), status="partial"))
    >>> report.dropped_tests[0].reason
    'it does not use `f`'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dspy_coder.code.generated_tests import read_generated_tests
from dspy_coder.judge.vetting import screen_generated_tests
from dspy_coder.types import DevelopmentReport, DocExample, DroppedTest, TestCase

REJECTED_DURING_RUN = "rejected during the run"


@dataclass
class GeneratedTestAudit:
    """Collects the test writer's answer and the drops of one run (one per ``Coder`` call)."""

    raw: str = ""
    dropped: list[DroppedTest] = field(default_factory=list)

    def screen(
        self,
        raw: str,
        tests: list[TestCase],
        entry_point: str | None,
        examples: list[DocExample],
    ) -> tuple[list[TestCase], list[str]]:
        """Record ``raw`` and what reading it dropped, then drop the ``tests`` read from it
        that contradict the docstring ``examples``; returns (kept, notes), as
        ``vetting.screen_generated`` does."""
        self.raw = raw or ""
        self.dropped = list(read_generated_tests(self.raw, entry_point).dropped)
        kept, contradicting = screen_generated_tests(tests, examples)
        self.dropped += contradicting
        notes = [f"Rejected {d.name}: it contradicts a docstring example ({d.reason})."
                 for d in contradicting]
        return kept, notes

    def attach(self, report: DevelopmentReport) -> DevelopmentReport:
        """``report`` with the raw answer and every drop, those of the run included."""
        return report.model_copy(update={
            "generated_tests_raw": self.raw,
            "dropped_tests": [*self.dropped, *rejected_during_run(report)],
        })


def rejected_during_run(report: DevelopmentReport) -> list[DroppedTest]:
    """Generated tests the candidates ran that the report no longer holds, each with the
    reason from the note that rejected it (``Rejected test_a, test_b: <reason>.``)."""
    reasons: dict[str, str] = {}
    for note in report.notes:
        names, _, reason = note.removeprefix("Rejected ").partition(": ")
        if note.startswith("Rejected ") and reason:
            for name in names.split(", "):
                reasons.setdefault(name, reason.rstrip("."))
    ran = next((a.tests for a in report.attempts if a.tests), [])
    kept = {t.name for t in report.tests}
    return [
        DroppedTest(
            name=test.name, reason=reasons.get(test.name, REJECTED_DURING_RUN), code=test.code
        )
        for test in ran
        if test.source == "generated" and test.name not in kept
    ]
