"""On the real 0.5B model, a task without docstring examples drawn with three samples in flight
(``parallel=3``) gives the same run as one at a time: the same candidates, in the same order,
with the same verdict."""

from __future__ import annotations

import dspy
import pytest
from dspy.clients.cache import Cache

from dspy_coder.lm import make_lm
from dspy_coder.pipeline.coder import Coder

TASK = ("def count_vowels(text: str) -> int:\n"
        '    """Return how many characters of text are vowels (a, e, i, o, u), in upper or '
        'lower case."""\n')


def _run(parallel: int) -> tuple[dict, int]:
    lm = make_lm("local:qwen2.5-coder-0.5b", seed=0, cache=False, parallel=parallel)
    with dspy.context(lm=lm, track_usage=True):
        report = Coder(max_iterations=2, drafts=3, routing="simple")(
            prompt=TASK, entry_point="count_vowels").report
    generator = lm.engine.load().batched.get(parallel)
    return report.model_dump(mode="json"), generator.peak_active if generator else 1


@pytest.mark.real_model
def test_samples_drawn_together_give_the_run_drawn_one_at_a_time(monkeypatch):
    monkeypatch.setattr(dspy, "cache", Cache(enable_disk_cache=False, enable_memory_cache=False,
                                             disk_cache_dir=None))
    alone, _ = _run(parallel=1)
    together, peak = _run(parallel=3)

    def run_of(report: dict) -> list:
        return [(a["stage"], a["code"], a["score"]) for a in report["attempts"]]

    assert [a["stage"] for a in alone["attempts"]][:4] == ["generate", "sample", "sample",
                                                           "sample"]
    assert run_of(together) == run_of(alone)
    assert (together["status"], together["notes"]) == (alone["status"], alone["notes"])
    assert together["cost"]["lm_calls"] == alone["cost"]["lm_calls"]
    assert peak >= 2  # the samples really were decoded together
