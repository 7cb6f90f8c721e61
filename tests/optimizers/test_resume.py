"""A stopped compile continues when the same command is rerun with the same --out: LM calls are
replayed from the compile's own cache, sandbox verdicts from their memo, candidate scores from
the journal, GEPA from its own state; another command on the same --out is refused."""

from __future__ import annotations

import json
import signal

import dspy
import pytest
from dspy.utils.callback import BaseCallback

from dspy_coder.errors import UsageError
from dspy_coder.optimizers.budgets import budget_for
from dspy_coder.optimizers.resume import ResumeState, replay_cache
from dspy_coder.optimizers.session import OptimizeRequest, run_optimization

from .conftest import CachedDummyLM, answers_for, fake_run

WRONG = {"shift_03", "shift_08", "shift_13"}


def counting_runner():
    """The fake sandbox, counting its runs."""
    calls: list[str] = []

    def run(code, *, tests, entry_point, limits=None):
        calls.append(entry_point)
        return fake_run(code, tests=tests, entry_point=entry_point)

    run.calls = calls  # type: ignore[attr-defined]
    return run


class CtrlCAfter(BaseCallback):
    """Sends the process a real SIGINT (as Ctrl-C does) as LM call ``after + 1`` starts."""

    def __init__(self, after: int) -> None:
        self.after, self.calls = after, 0

    def on_lm_start(self, call_id, instance, inputs) -> None:
        self.calls += 1
        if self.calls == self.after + 1:
            signal.raise_signal(signal.SIGINT)


def compile_in(out, problems, runner, optimizer="random-search", ctrl_c_after=None,
               teacher=None, **changes):
    budget = budget_for("light", train_size=4, dev_size=4, trials=2)
    request = OptimizeRequest(kind="baseline", optimizer=optimizer, budget=budget, out_dir=out,
                              student_spec="dummy", track=False, **changes)
    lm = CachedDummyLM(answers_for(problems, wrong=WRONG))
    callbacks = [CtrlCAfter(ctrl_c_after)] if ctrl_c_after is not None else []
    with dspy.context(callbacks=callbacks):
        return run_optimization(request, problems=problems, student_lm=lm, runner=runner,
                                teacher_lm=teacher), lm


def program_state(out) -> dict:
    return json.loads((out / "program.json").read_text())


def test_a_stopped_compile_resumes_where_it_stopped_and_ends_as_an_unbroken_one(tmp_path,
                                                                               problems):
    whole = counting_runner()
    full, _ = compile_in(tmp_path / "whole", problems, whole)
    out = tmp_path / "stopped"
    first_runner = counting_runner()
    first, _ = compile_in(out, problems, first_runner, ctrl_c_after=12)
    assert first["interrupted"] and first["resume"]["attempt"] == 1
    assert (out / "checkpoint" / "program.json").exists()
    assert 0 < len(first_runner.calls) < len(whole.calls)
    second_runner = counting_runner()
    second, _ = compile_in(out, problems, second_runner)
    assert not second["interrupted"] and second["resume"]["attempt"] == 2
    assert [a["interrupted"] for a in second["resume"]["attempts"]] == [True, False]
    # the first attempt's sandbox verdicts are not computed again
    assert len(first_runner.calls) + len(second_runner.calls) == len(whole.calls)
    # its 12 LM calls came from the compile's cache, at no model cost (the rest as unbroken)
    assert second["lm_calls"]["replayed"] == (
        12 + full["lm_calls"]["replayed"] - first["lm_calls"]["replayed"])
    # the same compile as one that never stopped: program, and each candidate's runs once
    assert program_state(out) == program_state(tmp_path / "whole")
    assert second["trial_scores"] == full["trial_scores"]
    assert second["scores"] == full["scores"]


def test_another_command_on_the_same_out_is_refused_unless_restarted(tmp_path, problems):
    out = tmp_path / "run"
    compile_in(out, problems, counting_runner())
    with pytest.raises(UsageError, match=r"other settings \(optimizer differ\)"):
        compile_in(out, problems, counting_runner(), optimizer="bootstrap")
    rerun = counting_runner()
    meta, _ = compile_in(out, problems, rerun, optimizer="bootstrap", restart=True)
    assert meta["resume"]["attempt"] == 1 and rerun.calls  # started over


def test_gepa_resumes_from_its_own_state(tmp_path, problems, caplog):
    def reflection():
        return CachedDummyLM({"current_instruction": {  # GEPA's proposer reads JSON
            "new_instruction": "Return x plus the number in the docstring."}},
            adapter=dspy.JSONAdapter())

    gepa = {"optimizer": "gepa", "final_eval": False}
    full, _ = compile_in(tmp_path / "whole", problems, counting_runner(), teacher=reflection(),
                         **gepa)
    out = tmp_path / "stopped"
    first, _ = compile_in(out, problems, counting_runner(), teacher=reflection(),
                          ctrl_c_after=20, **gepa)
    assert first["interrupted"]
    assert (out / "optimizer_logs" / "gepa" / "gepa_state.bin").exists()
    caplog.clear()
    second, _ = compile_in(out, problems, counting_runner(), teacher=reflection(), **gepa)
    assert "Loading gepa state from run dir" in caplog.text
    assert not second["interrupted"] and second["lm_calls"]["replayed"] >= 20
    assert program_state(out) == program_state(tmp_path / "whole")
    assert second["trial_scores"] == full["trial_scores"]


def test_resume_state_counts_attempts_and_restart_discards_them(tmp_path):
    state = ResumeState.open(tmp_path, {"a": 1})
    assert state.attempt == 1
    state.finish_attempt(12.5, replayed=0, interrupted=True)
    again = ResumeState.open(tmp_path, {"a": 1})
    assert again.attempt == 2 and again.earlier_seconds == 12.5
    entry = again.finish_attempt(2.0, replayed=7, interrupted=False)
    assert entry["total_seconds"] == 14.5 and entry["attempts"][1]["replayed_lm_calls"] == 7
    with pytest.raises(UsageError, match=r"\(a differ\)"):
        ResumeState.open(tmp_path, {"a": 2})
    assert ResumeState.open(tmp_path, {"a": 2}, restart=True).attempt == 1


def test_the_replay_cache_answers_repeats_and_restores_dspys_cache(tmp_path, problems):
    import dspy as dspy_module

    before = vars(dspy_module).get("cache")
    lm = CachedDummyLM([{"answer": "first"}, {"answer": "second"}])
    lm.cache = False
    predict = dspy.Predict("question -> answer")
    with replay_cache(tmp_path / "cache", [lm]) as cache, dspy.context(lm=lm):
        assert lm.cache is True
        assert predict(question="q").answer == "first"
        assert predict(question="q").answer == "first" and cache.hits == 1
    assert lm.cache is False and vars(dspy_module).get("cache") is before
    fresh = CachedDummyLM([{"answer": "never asked"}])
    with replay_cache(tmp_path / "cache", [fresh]) as cache, dspy.context(lm=fresh):
        assert predict(question="q").answer == "first" and cache.hits == 1  # from disk


def test_journals_survive_a_kill_mid_line(tmp_path):
    from dspy_coder.optimizers.journals import SandboxMemo, ScoreJournal
    from dspy_coder.types import ExecutionResult

    memo = SandboxMemo(tmp_path / "memo.jsonl")
    memo.put("k1", ExecutionResult(status="passed"))
    journal = ScoreJournal(tmp_path / "scores.jsonl")
    journal.append("abc", "Synth/1", 0.5, state={"write": {"demos": []}})
    journal.append("abc", "Synth/2", 1.0)
    for path in (memo.path, journal.path):
        with path.open("a", encoding="utf-8") as handle:
            handle.write('{"key": "k2", "resu')  # a kill -9 while writing
    assert SandboxMemo(memo.path).get("k1").passed and len(SandboxMemo(memo.path)) == 1
    again = ScoreJournal(journal.path)
    assert again.entries() == [("abc", "Synth/1", 0.5), ("abc", "Synth/2", 1.0)]
    assert again.state("abc") == {"write": {"demos": []}}
    again.append("abc", "Synth/3", 0.0)  # the next attempt writes on a line of its own
    assert ScoreJournal(journal.path).entries()[-1] == ("abc", "Synth/3", 0.0)
