from dspy_coder.judge.scoring import complexity_rank, performance_score, score_execution
from dspy_coder.judge.vetting import contradicts_examples, counted_tests
from dspy_coder.types import (
    DocExample,
    ExecutionResult,
    PerformanceMetrics,
    PerformanceTargets,
    TestCase,
    TestOutcome,
)

DOC = TestCase(name="test_docstring_example_1", code="", source="docstring", vetted=True)
GEN = TestCase(name="test_generated_1", code="def test_generated_1():\n    assert f(2) == 5\n")


def result(**passed: bool) -> ExecutionResult:
    tests = [TestOutcome(name=n, passed=p) for n, p in passed.items()]
    return ExecutionResult(status="passed" if all(passed.values()) else "failed", tests=tests)


def test_generated_test_contradicting_docstring_is_detected():
    assert contradicts_examples(GEN, [DocExample(call="f(2)", expected="4")])
    assert not contradicts_examples(GEN, [DocExample(call="f(3)", expected="4")])
    # a call the docstring shows without a result pins no value down
    assert not contradicts_examples(GEN, [DocExample(call="f(2)", expected="")])


def test_generated_test_counts_only_after_agreement():
    failing_doc = result(test_docstring_example_1=False, test_generated_1=True)
    assert counted_tests([DOC, GEN], [failing_doc]) == {"test_docstring_example_1"}
    agreeing = result(test_docstring_example_1=True, test_generated_1=True)
    assert counted_tests([DOC, GEN], [failing_doc, agreeing]) == {
        "test_docstring_example_1",
        "test_generated_1",
    }


def test_without_docstring_examples_generated_tests_count():
    assert counted_tests([GEN], [result(test_generated_1=False)]) == {"test_generated_1"}


def test_score_weights_tests_and_performance():
    half = result(a=True, b=False)
    assert score_execution(half, {"a", "b"}).score == 0.5  # 0.7 x 0.5 + 0.3 x 1.0 x 0.5
    everything = result(a=True, b=True)
    assert score_execution(everything, {"a", "b"}).score == 1.0
    broken = ExecutionResult(status="error", error="SyntaxError")
    assert score_execution(broken, {"a"}).score == 0.0


def test_fast_code_that_fails_every_test_scores_zero():
    # e.g. an empty answer: it "runs" in no time, and every test fails with a NameError
    nothing = result(a=False, b=False)
    assert score_execution(nothing, {"a", "b"}).score == 0.0


def test_performance_score_penalises_missed_complexity():
    ok = ExecutionResult(status="passed")
    targets = PerformanceTargets(time_complexity="O(n)")
    fast = PerformanceMetrics(execution_time_s=0.01, time_complexity="O(n)")
    slow = PerformanceMetrics(execution_time_s=0.01, time_complexity="O(n^2)")
    assert performance_score(ok, fast, targets, 10) == 1.0
    assert performance_score(ok, slow, targets, 10) < 1.0
    assert complexity_rank("O(N log N)") == 3


def test_dual_agreement_counts_the_tests_most_candidates_pass_together_only_at_quorum():
    from dspy_coder.judge.vetting import INDEPENDENT_QUORUM, Consensus, dual_agreement

    wrong = TestCase(name="test_generated_2", code="def test_generated_2():\n    assert 0\n")
    req = TestCase(name="test_task_names_f", code="", source="requirement")
    tests = [GEN, wrong, req]
    runs = [result(test_generated_1=i < 2, test_generated_2=i == 0, test_task_names_f=True)
            for i in range(INDEPENDENT_QUORUM)]
    assert dual_agreement(tests, runs[:-1]) is None  # too few candidates yet
    consensus = dual_agreement(tests, runs)
    # {1, 2} is passed by one candidate (1 x 2); {1} by two (2 x 1): a tie goes to more
    # candidates, and one candidate agreeing is not enough (HumanEval/41)
    assert consensus == Consensus(frozenset({"test_generated_1"}), 2, 3) and consensus.agreed
    assert consensus.decisive  # 2 of 3 candidates: a majority
    assert counted_tests(tests, runs, consensus) == {"test_generated_1", "test_task_names_f"}
    lonely = dual_agreement(tests, [result(test_generated_2=i == 0, test_generated_1=False,
                                           test_task_names_f=True)
                                    for i in range(INDEPENDENT_QUORUM)])
    assert lonely == Consensus(frozenset({"test_generated_2"}), 1, 3) and not lonely.agreed
    assert counted_tests(tests, runs, lonely) == {"test_task_names_f"}


def test_code_no_counted_test_checked_has_no_test_score():
    clean = ExecutionResult(status="passed")
    unchecked = score_execution(clean, set())
    assert unchecked.test_score is None and unchecked.score == 0.0


def test_a_consensus_of_a_minority_counts_its_tests_but_decides_nothing():
    """HumanEval/88 stripped: 2 of 5 candidates agreed; the answer was wrong."""
    from dspy_coder.judge.vetting import dual_agreement

    runs = [result(test_generated_1=i < 2) for i in range(5)]
    consensus = dual_agreement([GEN], runs)
    assert consensus.agreed and not consensus.decisive
    runs = [result(test_generated_1=i < 3) for i in range(5)]
    assert dual_agreement([GEN], runs).decisive


def test_a_candidate_missing_a_required_name_has_no_vote():
    """Issue #20's email module: two of four candidates lacked normalize_email; the two that
    defined both functions agree, and are all the candidates that meet the task."""
    from dspy_coder.judge.vetting import dual_agreement

    req = TestCase(name="test_task_names_f", code="", source="requirement")
    runs = [result(test_generated_1=i < 2, test_task_names_f=i < 2) for i in range(4)]
    consensus = dual_agreement([GEN, req], runs)
    assert (consensus.candidates, consensus.independent) == (2, 2) and consensus.decisive
    # nor does it agree with anyone: one candidate that meets the task is no agreement (the
    # 0.5B's email run said "2 of 1": a candidate without normalize_email was counted)
    runs = [result(test_generated_1=True, test_task_names_f=i == 0) for i in range(4)]
    lonely = dual_agreement([GEN, req], runs)
    assert (lonely.candidates, lonely.independent) == (1, 1) and not lonely.agreed
