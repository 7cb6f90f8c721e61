"""benchmarks/runaway_stop.py prints, per problem, what the runaway stop saved."""

from tests.benchmark_scripts import load_benchmark_script

script = load_benchmark_script("runaway_stop")


def test_a_guarded_answer_is_the_start_of_the_unguarded_one():
    assert script.is_start_of("a\nb\n", "a\nb\nc\n")
    assert not script.is_start_of("a\nx\n", "a\nb\nc\n")


def test_the_printed_row_names_tokens_seconds_tests_and_whether_the_answers_agree():
    off = {"raw": "a\nb\nc\n", "completion_tokens": 700, "seconds": 126.3, "tests": 12}
    on = {"raw": "a\nb\n", "completion_tokens": 319, "seconds": 72.3, "tests": 9}
    assert script.summary_row("Mbpp/594", off, on) == (
        "Mbpp/594: 700 -> 319 tokens, 126.3 -> 72.3 s, 12 -> 9 tests; guarded answer is its start")
    assert script.summary_row("Mbpp/2", off, off).endswith("same answer")
    assert script.summary_row("Mbpp/2", off, {**on, "raw": "z\n"}).endswith("DIFFERENT")
