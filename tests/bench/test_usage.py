"""Per-answer cost: the job LM's history, completed by the program's report."""

from __future__ import annotations

from types import SimpleNamespace

from dspy_coder.bench.usage import LMCallUsage, combine_with_report, usage_from_history


def entry(prompt: int, completion: int) -> dict:
    return {"usage": {"prompt_tokens": prompt, "completion_tokens": completion}, "response": {}}


def test_history_counts_calls_tokens_and_cache_hits():
    usage = usage_from_history([entry(100, 20), entry(0, 0), entry(50, 5)])
    assert usage == LMCallUsage(calls=3, cached_calls=1, prompt_tokens=150, completion_tokens=25)


def test_calls_of_lm_copies_seen_only_by_the_report_are_added():
    # the job LM saw the first generation; dspy.Refine's rollouts ran on copies of it
    history = usage_from_history([entry(400, 100)])
    report_cost = SimpleNamespace(lm_calls=3, prompt_tokens=2400, completion_tokens=700)
    assert combine_with_report(history, report_cost) == LMCallUsage(
        calls=3, cached_calls=0, prompt_tokens=2400, completion_tokens=700
    )


def test_history_wins_when_the_report_saw_no_more_and_without_a_report():
    history = usage_from_history([entry(400, 100), entry(0, 0)])
    same = SimpleNamespace(lm_calls=1, prompt_tokens=400, completion_tokens=100)
    assert combine_with_report(history, same) == history
    assert combine_with_report(history, None) == history
