"""Decide which generated tests may fail a candidate.

Self-written tests can be wrong (a small model often miscomputes expected values), so:

- docstring examples are ground truth and always count;
- a generated test that contradicts a docstring example (same call, other expected value) is
  rejected outright;
- when the task has docstring examples, a generated test counts only once some candidate
  that passes every docstring example also passes it (agreement, as in CodeT); until then it
  is shown to the refiner as "unconfirmed" but does not lower the score;
- a requirement the task states in prose (a name it calls for) and a property it states (a
  round trip, idempotence, an unchanged input) always count;
- when the task has no docstring examples there is nothing to vet against, so valid generated
  tests count from the start; once at least ``INDEPENDENT_QUORUM`` independently written
  candidates (the first draft and the samples of a sampling round, not repairs aimed at the
  failures) have run, dual agreement decides (CodeT): the set of tests that the most
  candidates pass together, weighted by its size, counts, and the rest do not; and only when
  at least ``AGREEING_CANDIDATES`` independent candidates agree on it: one sample agreeing
  with a test is no evidence that either is right (a wrong sample can agree with a wrong
  test and replace a right answer). Code the counted tests check is *checked*. Checked code
  is a success only when the agreement is *decisive*: most independent candidates are in it.

Example:
    >>> counted_tests([], []) == set()
    True
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from dspy_coder.types import DocExample, DroppedTest, ExecutionResult, TestCase


def _normalise(expression: str) -> str:
    try:
        return ast.unparse(ast.parse(expression, mode="eval"))
    except SyntaxError:
        return expression.strip()


def _compared_pairs(test: TestCase) -> list[tuple[str, str]]:
    """(call, expected) pairs from ``assert call == expected`` statements in a test."""
    try:
        tree = ast.parse(test.code)
    except SyntaxError:
        return []
    pairs = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assert)
            and isinstance(node.test, ast.Compare)
            and len(node.test.ops) == 1
            and isinstance(node.test.ops[0], ast.Eq)
        ):
            pairs.append((ast.unparse(node.test.left), ast.unparse(node.test.comparators[0])))
    return pairs


def contradiction(test: TestCase, examples: list[DocExample]) -> str:
    """Why the test contradicts the docstring (``it asserts f(2) == 5, but the docstring
    example gives 4``); empty when it does not."""
    truth = {_normalise(e.call): _normalise(e.expected) for e in examples if e.expected}
    for call, expected in _compared_pairs(test):
        known = truth.get(_normalise(call))
        if known is None:
            continue
        try:
            differs = ast.literal_eval(known) != ast.literal_eval(expected)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            differs = known != _normalise(expected)
        if differs:
            return f"it asserts {call} == {expected}, but the docstring example gives {known}"
    return ""


def contradicts_examples(test: TestCase, examples: list[DocExample]) -> bool:
    """True when the test asserts a different value for a call the docstring pins down."""
    return bool(contradiction(test, examples))


def screen_generated_tests(
    tests: list[TestCase], examples: list[DocExample]
) -> tuple[list[TestCase], list[DroppedTest]]:
    """Split generated tests into those kept and those dropped for contradicting the
    docstring (with the reason and the test's code)."""
    kept, drops = [], []
    for test in tests:
        reason = contradiction(test, examples)
        if reason:
            drops.append(DroppedTest(name=test.name, reason=reason, code=test.code))
        else:
            kept.append(test)
    return kept, drops


def _outcomes(result: ExecutionResult | None) -> dict[str, bool]:
    return {t.name: t.passed for t in result.tests} if result else {}


def meets_stated(tests: Iterable[TestCase], result: ExecutionResult | None) -> bool:
    """Whether a run passed every test of what the task states (its requirements and
    properties): a candidate that did not is known wrong."""
    outcomes = _outcomes(result)
    return all(outcomes.get(t.name, False) for t in tests
               if t.source in ("requirement", "property"))


INDEPENDENT_QUORUM = 3
AGREEING_CANDIDATES = 2


@dataclass(frozen=True)
class Consensus:
    """The generated tests the largest agreeing set of candidates pass, its size, and how
    many independent candidates ran that meet the task's stated requirements."""

    tests: frozenset[str] = frozenset()
    candidates: int = 0
    independent: int = 0

    @property
    def agreed(self) -> bool:
        """Enough agreement for the tests to count (and steer refinement)."""
        return bool(self.tests) and self.candidates >= AGREEING_CANDIDATES

    @property
    def decisive(self) -> bool:
        """Enough agreement to call code that passes the tests a success: most independent
        candidates agree. A minority consensus (2 of 5) with the rest split is a disputed
        reading of the task, right as often as not."""
        return self.agreed and 2 * self.candidates > self.independent


def dual_agreement(
    tests: Iterable[TestCase], independent: Iterable[ExecutionResult | None]
) -> Consensus | None:
    """CodeT's dual agreement over the independently written candidates' runs: for each set
    of generated tests some candidate passes, (candidates passing all of it) x (its size);
    the best set wins, ties to more candidates. Only candidates that meet the task's stated
    requirements and properties take part. None below ``INDEPENDENT_QUORUM`` runs."""
    results = [result for result in independent if result is not None]
    if len(results) < INDEPENDENT_QUORUM:
        return None
    tests = list(tests)
    generated = [t.name for t in tests if t.source == "generated"]
    # a candidate that fails a stated requirement (a name the task asks for, a property) is
    # known wrong: it has no vote on what the task means, nor on which tests are right
    voting = [result for result in results if meets_stated(tests, result)]
    voters = len(voting)
    passed_sets = [
        frozenset(name for name in generated if _outcomes(result).get(name, False))
        for result in voting
    ]
    best, best_key = Consensus(independent=voters), (0, 0, 0, ())
    for candidate_set in set(passed_sets):
        if not candidate_set:
            continue
        agreeing = sum(1 for passed in passed_sets if candidate_set <= passed)
        key = (agreeing * len(candidate_set), agreeing, len(candidate_set),
               tuple(sorted(candidate_set)))
        if key > best_key:
            best, best_key = Consensus(candidate_set, agreeing, voters), key
    return best


def counted_tests(
    tests: Iterable[TestCase],
    executions: Iterable[ExecutionResult | None],
    consensus: Consensus | None = None,
) -> set[str]:
    """Names of tests that may fail a candidate, given every execution seen so far (and, for
    a task without docstring examples, the candidates' ``consensus`` once there is one)."""
    tests = list(tests)
    ground = {t.name for t in tests if t.source in ("docstring", "requirement", "property")}
    docstring = {t.name for t in tests if t.source == "docstring"}
    generated = [t for t in tests if t.source == "generated"]
    if not docstring:
        if consensus is not None:  # tests too few candidates agree on are likelier wrong
            return ground | (set(consensus.tests) if consensus.agreed else set())
        return ground | {t.name for t in generated}
    confirmed: set[str] = set()
    for result in executions:
        outcome = _outcomes(result)
        if all(outcome.get(name, False) for name in docstring):
            confirmed |= {t.name for t in generated if outcome.get(t.name, False)}
    return ground | confirmed


def mark_vetted(tests: list[TestCase], counted: set[str]) -> list[TestCase]:
    """Copies of ``tests`` with ``vetted`` set from ``counted``."""
    return [t.model_copy(update={"vetted": t.name in counted}) for t in tests]
