"""The runner's mechanics with DummyLM, toy problems and an in-process grader."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import dspy
import pytest

from dspy_coder.bench.grading import Grade
from dspy_coder.bench.runner import RESULTS_FILE, BenchConfig, run_benchmark
from dspy_coder.bench.store import read_records
from dspy_coder.bench.variants import VariantSpec, resolve_variant
from dspy_coder.errors import RunError, UsageError
from tests.bench.helpers import HIDDEN_MARKER, PROBLEMS, RIGHT, WRONG, answers_lm, exec_grader


class SpyProgram(dspy.Module):
    """Answers from a table and records exactly what it was given."""

    def __init__(self, codes: dict[str, str], fail_on: set[str] | None = None) -> None:
        super().__init__()
        self.codes, self.fail_on = codes, fail_on or set()
        self.calls: list[dict] = []
        self.lock = threading.Lock()

    def forward(self, **kwargs):
        with self.lock:
            self.calls.append(kwargs)
        if kwargs["entry_point"] in self.fail_on:
            raise ValueError("model output could not be parsed")
        return dspy.Prediction(code=self.codes[kwargs["entry_point"]])


def spy_variant(program: SpyProgram, name: str = "spy") -> VariantSpec:
    return VariantSpec(kind="custom", name=name, factory=lambda: program)


def config_for(variants, **kwargs) -> BenchConfig:
    return BenchConfig(variants=variants, problems=PROBLEMS, lm_label="dummy", **kwargs)


def test_baseline_with_dummy_lm_records_grades_and_costs(tmp_path: Path):
    codes = {**RIGHT, "square": WRONG["square"]}
    lm = answers_lm(codes)
    outcome = run_benchmark(
        config_for([resolve_variant("baseline")]), lm, tmp_path, grader=exec_grader
    )
    by_task = {r.task_id: r for r in outcome.records}
    assert {t: r.passed for t, r in by_task.items()} == {
        "Toy/double": True,
        "Toy/negate": True,
        "Toy/square": False,
    }
    assert all(r.cost.lm_calls == 1 for r in outcome.records)
    assert all(r.cost.iterations == 1 for r in outcome.records)
    assert by_task["Toy/square"].grade_status == "failed"
    assert "def square" in by_task["Toy/square"].code
    assert outcome.progress.done == 3 and outcome.progress.passed == 2
    # written to disk, one line per answer
    assert len(read_records(tmp_path / RESULTS_FILE)) == 3


def test_program_sees_only_the_task_never_the_hidden_test(tmp_path: Path):
    program = SpyProgram(RIGHT)
    lm = answers_lm(RIGHT)
    run_benchmark(config_for([spy_variant(program)]), lm, tmp_path, grader=exec_grader)
    assert len(program.calls) == 3
    for call in program.calls:
        assert set(call) == {"prompt", "entry_point", "task_id"}
        assert HIDDEN_MARKER not in "".join(map(str, call.values()))
        assert "check(" not in call["prompt"]


def test_dummy_lm_prompts_do_not_contain_hidden_tests(tmp_path: Path):
    lm = answers_lm(RIGHT)
    seen: list[str] = []
    original_copy = lm.copy

    def copy_and_keep(**kwargs):
        copied = original_copy(**kwargs)
        seen.append(copied)
        return copied

    lm.copy = copy_and_keep  # type: ignore[method-assign]
    run_benchmark(config_for([resolve_variant("baseline")]), lm, tmp_path, grader=exec_grader)
    messages = [m["content"] for job_lm in seen for e in job_lm.history for m in e["messages"]]
    assert len(messages) >= 3
    assert not any(HIDDEN_MARKER in text for text in messages)


def test_rerun_skips_finished_work_and_redoes_only_missing_lines(tmp_path: Path):
    program = SpyProgram(RIGHT)
    config = config_for([spy_variant(program)])
    run_benchmark(config, None_lm(), tmp_path, grader=exec_grader)
    assert len(program.calls) == 3
    outcome = run_benchmark(config, None_lm(), tmp_path, grader=exec_grader)
    assert len(program.calls) == 3  # nothing redone
    assert len(outcome.records) == 3 and outcome.progress.session_done == 0
    # drop one line (as if the run had been killed before writing it): only it is redone
    path = tmp_path / RESULTS_FILE
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:2]))
    outcome = run_benchmark(config, None_lm(), tmp_path, grader=exec_grader)
    assert len(program.calls) == 4
    assert program.calls[-1]["task_id"] == read_records(path)[-1].task_id
    assert len(read_records(path)) == 3


def test_a_resume_redoes_a_row_torn_inside_a_utf8_character_and_keeps_the_others(
    tmp_path: Path,
):
    codes = {name: code.replace("\n", "  # résumé\n", 1) for name, code in RIGHT.items()}
    program = SpyProgram(codes)
    config = config_for([spy_variant(program)])
    run_benchmark(config, None_lm(), tmp_path, grader=exec_grader)
    path = tmp_path / RESULTS_FILE
    data = path.read_bytes()
    last = data.rstrip(b"\n").rindex(b"\n") + 1
    cut = data.index("é".encode(), last) + 1  # the last row ends inside a two-byte character
    path.write_bytes(data[:cut])
    torn_task = program.calls[-1]["task_id"]
    outcome = run_benchmark(config, None_lm(), tmp_path, grader=exec_grader)
    assert len(program.calls) == 4 and program.calls[-1]["task_id"] == torn_task
    assert outcome.progress.session_done == 1 and len(outcome.records) == 3
    assert sorted(r.task_id for r in read_records(path)) == sorted(p.task_id for p in PROBLEMS)


def test_changed_program_is_not_served_from_old_results(tmp_path: Path):
    lm = answers_lm(RIGHT)
    run_benchmark(config_for([resolve_variant("baseline")]), lm, tmp_path, grader=exec_grader)
    program = resolve_variant("baseline").build()
    program.write.signature = program.write.signature.with_instructions("Write it in one line.")
    changed = VariantSpec(kind="baseline", factory=lambda: program)
    outcome = run_benchmark(config_for([changed]), answers_lm(RIGHT), tmp_path, grader=exec_grader)
    assert outcome.progress.session_done == 3
    assert len({r.program_fingerprint for r in read_records(tmp_path / RESULTS_FILE)}) == 2


def None_lm():  # noqa: N802 - reads like a constant at call sites
    """An LM the spy program never calls."""
    return answers_lm({})


def test_program_errors_are_failed_answers_and_can_be_retried(tmp_path: Path):
    program = SpyProgram(RIGHT, fail_on={"negate"})
    config = config_for([spy_variant(program)])
    outcome = run_benchmark(config, None_lm(), tmp_path, grader=exec_grader)
    failed = [r for r in outcome.records if not r.passed]
    assert [r.task_id for r in failed] == ["Toy/negate"]
    assert failed[0].grade_status == "no_code"
    assert "ValueError" in failed[0].program_error
    # a plain rerun keeps it; --retry-errors redoes it
    run_benchmark(config, None_lm(), tmp_path, grader=exec_grader)
    assert len(program.calls) == 3
    program.fail_on = set()
    config.retry_errors = True
    outcome = run_benchmark(config, None_lm(), tmp_path, grader=exec_grader)
    assert len(program.calls) == 4
    assert all(r.passed for r in outcome.records)


def test_a_program_that_always_raises_stops_the_run(tmp_path: Path):
    program = SpyProgram(RIGHT, fail_on={"double", "negate", "square"})
    with pytest.raises(RunError, match="set-up problem"):
        run_benchmark(config_for([spy_variant(program)]), None_lm(), tmp_path, grader=exec_grader)


def test_samples_need_temperature_and_give_one_record_each(tmp_path: Path):
    with pytest.raises(UsageError, match="temperature"):
        run_benchmark(
            config_for([resolve_variant("baseline")], samples=2),
            None_lm(),
            tmp_path,
            grader=exec_grader,
        )
    program = SpyProgram(RIGHT)
    outcome = run_benchmark(
        config_for([spy_variant(program)], samples=3, temperature=0.8),
        None_lm(),
        tmp_path,
        grader=exec_grader,
    )
    assert len(outcome.records) == 9
    assert sorted({r.sample for r in outcome.records}) == [0, 1, 2]
    assert all(r.temperature == 0.8 for r in outcome.records)


def test_each_sample_gets_its_own_rollout_and_seed(tmp_path: Path):
    lm = answers_lm(RIGHT)
    copies: list[dict] = []
    original_copy = lm.copy

    def spy_copy(**kwargs):
        copies.append(kwargs)
        return original_copy(**kwargs)

    lm.copy = spy_copy  # type: ignore[method-assign]
    problems = PROBLEMS[:1]
    config = BenchConfig(
        variants=[resolve_variant("baseline")],
        problems=problems,
        lm_label="dummy",
        samples=2,
        temperature=0.7,
        seed=10,
    )
    run_benchmark(config, lm, tmp_path, grader=exec_grader)
    assert sorted((c["rollout_id"], c["seed"]) for c in copies) == [(0, 10), (1, 11)]


def test_grading_overlaps_the_next_generation(tmp_path: Path):
    """The grader of problem 1 waits until problem 2 is being generated: serial code deadlocks."""
    second_started = threading.Event()
    program = SpyProgram(RIGHT)
    original_forward = program.forward

    def forward(**kwargs):
        if kwargs["entry_point"] == "negate":
            second_started.set()
        return original_forward(**kwargs)

    program.forward = forward  # type: ignore[method-assign]
    overlapped: list[bool] = []

    def waiting_grader(problem, code) -> Grade:
        if problem.entry_point == "double":
            overlapped.append(second_started.wait(timeout=10))
        return exec_grader(problem, code)

    run_benchmark(config_for([spy_variant(program)]), None_lm(), tmp_path, grader=waiting_grader)
    assert overlapped == [True]


def test_workers_run_generations_in_parallel(tmp_path: Path):
    barrier = threading.Barrier(2, timeout=10)
    program = SpyProgram(RIGHT)
    original_forward = program.forward
    met: list[bool] = []

    def forward(**kwargs):
        if kwargs["entry_point"] in ("double", "negate"):
            try:
                barrier.wait()
                met.append(True)
            except threading.BrokenBarrierError:
                met.append(False)
        return original_forward(**kwargs)

    program.forward = forward  # type: ignore[method-assign]
    program.deepcopy = lambda: program  # type: ignore[method-assign]
    outcome = run_benchmark(
        config_for([spy_variant(program)], workers=2), None_lm(), tmp_path, grader=exec_grader
    )
    assert met == [True, True]
    assert len(outcome.records) == 3 and all(r.passed for r in outcome.records)


def test_several_variants_are_keyed_apart(tmp_path: Path):
    right, wrong = SpyProgram(RIGHT), SpyProgram(WRONG)
    outcome = run_benchmark(
        config_for([spy_variant(right, "right"), spy_variant(wrong, "wrong")]),
        None_lm(),
        tmp_path,
        grader=exec_grader,
    )
    by_variant: dict[str, int] = {}
    for record in outcome.records:
        by_variant[record.variant] = by_variant.get(record.variant, 0) + record.passed
    assert by_variant == {"right": 3, "wrong": 0}


def test_a_stopped_run_does_not_wait_for_the_job_in_progress(tmp_path: Path):
    """Ctrl-C while the program is mid-problem: run_benchmark raises at once, the finished
    answers stay in the file, and the abandoned job writes nothing when it finally returns."""
    release, hanging = threading.Event(), threading.Event()
    program = SpyProgram(RIGHT)
    original_forward = program.forward

    def forward(**kwargs):
        if kwargs["entry_point"] == "square":
            hanging.set()
            release.wait(timeout=30)  # a local model taking minutes
        return original_forward(**kwargs)

    program.forward = forward  # type: ignore[method-assign]

    def on_record(record, progress) -> None:
        if progress.done == 2:
            assert hanging.wait(timeout=10)
            raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_benchmark(
            config_for([spy_variant(program)]),
            None_lm(),
            tmp_path,
            grader=exec_grader,
            on_record=on_record,
        )
    assert time.monotonic() - started < 5
    release.set()  # the abandoned generation returns now ...
    time.sleep(0.5)
    records = read_records(tmp_path / RESULTS_FILE)  # ... and is not recorded
    assert sorted(r.task_id for r in records) == ["Toy/double", "Toy/negate"]
    assert not (tmp_path / "reports.jsonl").exists()


def test_variants_take_turns_problem_by_problem():
    """A run stopped early has every variant's answer to the same first problems."""
    from dspy_coder.bench.runner import plan_jobs

    config = config_for([spy_variant(SpyProgram(RIGHT), "a"), spy_variant(SpyProgram(WRONG), "b")])
    jobs, _ = plan_jobs(config)
    order = [(job.problem.task_id, job.label) for job in jobs]
    ids = [p.task_id for p in PROBLEMS]
    assert order == [(task, label) for task in ids for label in ("a", "b")]


COUNTER_TESTS = (
    "import unittest\n\n"
    "class CounterTestAdd(unittest.TestCase):\n"
    "    def test_add(self):\n        c = Counter()\n        c.add(2)\n"
    "        self.assertEqual(c.total, 2)\n\n"
    "class CounterTestReset(unittest.TestCase):\n"
    "    def test_reset(self):\n        c = Counter()\n        c.add(2)\n        c.reset()\n"
    "        self.assertEqual(c.total, 0)\n"
)
COUNTER = (
    "class Counter:\n    def __init__(self):\n        self.total = 0\n"
    "    def add(self, n):\n        self.total += n\n"
    "    def reset(self):\n        self.total = {reset}\n"
)


def test_class_level_answers_keep_their_test_class_counts(tmp_path: Path):
    """Through the real sandbox: a right answer 2/2, a half-right one 1/2, and an answer the
    program never gave counts 0 of its 2 test classes (method level), all not passed."""
    from dspy_coder.bench.grading import grade_answer
    from dspy_coder.bench.report import summarise
    from dspy_coder.datasets import Problem

    problems = [
        Problem(task_id=f"Toy_{name}", prompt=f"class {name}:\n    pass\n", entry_point=name,
                test=COUNTER_TESTS.replace("Counter", name),
                test_classes=[f"{name}TestAdd", f"{name}TestReset"])
        for name in ("Counter", "Tally", "Meter")
    ]
    program = SpyProgram(
        {"Counter": COUNTER.format(reset=0),
         "Tally": COUNTER.format(reset=1).replace("Counter", "Tally")},
        fail_on={"Meter"},
    )
    config = BenchConfig(variants=[spy_variant(program)], problems=problems, lm_label="dummy")
    outcome = run_benchmark(config, dspy.utils.DummyLM([]), tmp_path, grader=grade_answer)
    rows = {r.task_id: r for r in read_records(tmp_path / RESULTS_FILE)}
    counts = {t: (r.passed, r.test_classes_passed, r.test_classes_total) for t, r in rows.items()}
    assert counts == {
        "Toy_Counter": (True, 2, 2), "Toy_Tally": (False, 1, 2), "Toy_Meter": (False, 0, 2),
    }
    assert rows["Toy_Meter"].grade_status == "no_code"
    [summary] = summarise(outcome.records)
    assert summary.pass_at_1 == pytest.approx(1 / 3, abs=1e-6)
    level = summary.method_level
    assert (level.test_classes_passed, level.test_classes_total) == (3, 6)
    # no answer carried a hidden test class name into the program
    assert all("TestAdd" not in str(call) for call in program.calls)
