"""Answers decoded together on the real 0.5B model are the single calls' answers, token for
token: greedy and seeded, prompts of different lengths, three at once (``MAX_PARALLEL``), and
prompts that keep the start an earlier prompt left in their slot."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from dspy_coder.errors import UsageError
from dspy_coder.lm import make_lm
from dspy_coder.local_models.engine import MAX_PARALLEL, LlamaCppEngine

PROMPTS = [
    "Write a Python function is_palindrome(s) that ignores case and spaces.",
    "Write pytest tests for a function sort_by_length(words) that sorts words by length and "
    "keeps the original order of words of equal length.",
    "Write a Python function that merges two sorted lists into one sorted list.",
]


def _answers(lm, calls: list[tuple[str, float, int]], threads: int) -> list[tuple[str, int]]:
    def one(call: tuple[str, float, int]) -> tuple[str, int]:
        prompt, temperature, seed = call
        copy = lm.copy(temperature=temperature, seed=seed)
        text = copy(prompt)[0]
        return text, copy.history[-1]["usage"]["completion_tokens"]

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, calls))


@pytest.mark.real_model
def test_three_answers_decoded_together_are_the_single_calls_answers(isolated_dspy_cache):
    calls = [(p, 0.0, 0) for p in PROMPTS] + [(PROMPTS[0], 0.8, 11), (PROMPTS[2], 0.8, 12)]
    alone = make_lm("local:qwen2.5-coder-0.5b", max_tokens=96, cache=False)
    together = make_lm("local:qwen2.5-coder-0.5b", max_tokens=96, cache=False,
                       parallel=MAX_PARALLEL)

    expected = _answers(alone, calls, threads=1)
    got = _answers(together, calls, threads=MAX_PARALLEL)

    assert got == expected
    generator = together.engine.load().batched[MAX_PARALLEL]
    assert generator.peak_active == MAX_PARALLEL  # they really were decoded together
    assert len({text for text, _ in expected}) == len(calls)  # five different answers


CONTEXT = "".join(f"def f{i}(x):\n    return x * {i} + {i % 7}\n\n" for i in range(70))
QUESTIONS = ["Which of these functions returns 15 for x = 2?", "Write a docstring for f12.",
             "What does f33 return for x = 10?"]


@pytest.mark.real_model
def test_a_prompt_that_shares_a_slots_start_keeps_it_and_gives_the_single_calls_answer(
    isolated_dspy_cache,
):
    """Prompts one after another that share over a thousand tokens: each later one keeps the
    whole 512-token chunks a slot holds, and every answer is the single call's (a single call
    evaluates its prompt whole); then all at once, each copying a busy slot's start."""
    calls = [(CONTEXT + question, 0.0, 0) for question in QUESTIONS]
    alone = make_lm("local:qwen2.5-coder-0.5b", max_tokens=48, cache=False)
    together = make_lm("local:qwen2.5-coder-0.5b", max_tokens=48, cache=False,
                       parallel=MAX_PARALLEL)

    generator = together.engine.load().generator(MAX_PARALLEL)  # shared by this process
    reused_before = generator.reused_prompt_tokens

    expected = _answers(alone, calls, threads=1)
    got = _answers(together, calls, threads=1)

    assert got == expected
    assert generator.reused_prompt_tokens - reused_before == 2 * 1024  # the two later prompts
    assert _answers(together, calls, threads=len(calls)) == expected
    assert generator.reused_prompt_tokens - reused_before == 5 * 1024


def test_parallel_beyond_the_exact_kernels_is_refused_with_the_reason(tmp_path):
    with pytest.raises(UsageError, match="parallel must be 1 to 3.*change the answers"):
        LlamaCppEngine(tmp_path / "m.gguf", parallel=MAX_PARALLEL + 1)
    engine = LlamaCppEngine(tmp_path / "m.gguf", parallel=2)
    assert LlamaCppEngine.load_state(engine.dump_state()).parallel == 2
