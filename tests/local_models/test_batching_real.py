"""Answers decoded together on the real 0.5B model are the single calls' answers, token for
token: greedy and seeded, prompts of different lengths, three at once (``MAX_PARALLEL``)."""

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


def test_parallel_beyond_the_exact_kernels_is_refused_with_the_reason(tmp_path):
    with pytest.raises(UsageError, match="parallel must be 1 to 3.*change the answers"):
        LlamaCppEngine(tmp_path / "m.gguf", parallel=MAX_PARALLEL + 1)
    engine = LlamaCppEngine(tmp_path / "m.gguf", parallel=2)
    assert LlamaCppEngine.load_state(engine.dump_state()).parallel == 2
