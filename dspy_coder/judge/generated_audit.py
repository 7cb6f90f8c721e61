"""What became of the test writer's answer: its raw text and every generated test the run
did not use, with the reason, for the ``DevelopmentReport``.

Tests are dropped while reading the answer (unparsable, marked skip, a
fixture nobody supplies, not using the function, over the limit: ``read_generated_tests``),
when they contradict a docstring example (``screen_generated_tests``), and, for a task without
an entry point, when they read nothing but what they define themselves (``reads_code``: a
mock of their own). Tests no candidate confirms stay in the report, marked unvetted.

Example:
    >>> from dspy_coder.types import DevelopmentReport, Task
    >>> audit = GeneratedTestAudit()
    >>> kept, notes = audit.screen("assert g(1) == 2", [], "f", [])
    >>> report = audit.attach(DevelopmentReport(task=Task(prompt="f"), status="partial"))
    >>> report.dropped_tests[0].reason
    'it does not use `f`'
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field

from dspy_coder.code.generated_tests import read_generated_tests
from dspy_coder.judge.vetting import screen_generated_tests
from dspy_coder.task.requirements import undefined_names
from dspy_coder.types import DevelopmentReport, DocExample, DroppedTest, TestCase

# between the test writer's answers when it was drawn again (generated_tests_raw)
REDRAW_SEPARATOR = "\n\n# --- the test writer was drawn again, with another seed ---\n\n"
UNRELATED = ("it uses nothing of the code under test, only what the test defines itself (a "
             "mock of its own)")


@dataclass
class GeneratedTestAudit:
    """Collects the test writer's answer and the drops of one run (one per ``Coder`` call)."""

    raw: str = ""
    dropped: list[DroppedTest] = field(default_factory=list)
    earlier: list[str] = field(default_factory=list)

    def screen(
        self,
        raw: str,
        tests: list[TestCase],
        entry_point: str | None,
        examples: list[DocExample],
        must_read_code: bool = False,
        earlier_answers: list[str] | None = None,
        restated: frozenset[str] = frozenset(),
    ) -> tuple[list[TestCase], list[str]]:
        """Record ``raw`` and what reading it dropped, then drop the ``tests`` read from it
        that contradict the docstring ``examples`` or, with ``must_read_code`` (a task without
        an entry point), read nothing the test does not define itself; returns (kept,
        notes). ``earlier_answers``: the test writer's answers before it was drawn again,
        kept in the report ahead of ``raw``. ``restated``: as ``read_generated_tests``'s."""
        self.earlier = list(earlier_answers or [])
        self.raw = raw or ""
        self.dropped = list(read_generated_tests(self.raw, entry_point,
                                                 restated=restated).dropped)
        kept, contradicting = screen_generated_tests(tests, examples)
        if must_read_code:
            unrelated = [t for t in kept if not reads_code(t.code)]
            kept = [t for t in kept if t not in unrelated]
            self.dropped += [DroppedTest(name=t.name, code=t.code, reason=UNRELATED)
                             for t in unrelated]
        self.dropped += contradicting
        notes = [f"Rejected {d.name}: it contradicts a docstring example ({d.reason})."
                 for d in contradicting]
        return kept, notes

    def attach(self, report: DevelopmentReport) -> DevelopmentReport:
        """``report`` with the raw answer and every drop."""
        return report.model_copy(update={
            "generated_tests_raw": REDRAW_SEPARATOR.join([*self.earlier, self.raw]),
            "dropped_tests": list(self.dropped),
        })


# modules a test may import without them being the code under test
_TEST_LIBRARIES = frozenset({"pytest", "unittest", "hypothesis", "mock"})


def reads_code(test_code: str) -> bool:
    """Whether a test reads something it neither defines nor imports from the standard
    library or a test framework: a name of the code under test (the 1.5B's cache tests built
    a ``MockCache`` of their own and read nothing else). Unparsable code is not judged here."""
    try:
        tree = ast.parse(test_code)
    except SyntaxError:
        return True
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) \
                else [node.module or ""]
            roots = {m.split(".")[0] for m in modules}
            if (isinstance(node, ast.ImportFrom) and node.level) or \
                    roots - set(sys.stdlib_module_names) - _TEST_LIBRARIES:
                return True
    return bool(undefined_names(test_code))
