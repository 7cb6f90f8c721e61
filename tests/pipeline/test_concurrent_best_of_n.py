"""``ConcurrentBestOfN`` draws together when every draw is wanted, and otherwise is
``dspy.BestOfN``: the same prediction, the rewards given in rollout order."""

from __future__ import annotations

import threading

import dspy
import pytest
from dspy.utils.dummies import DummyLM

from dspy_coder.pipeline.concurrent_best_of_n import ConcurrentBestOfN, beside
from dspy_coder.pipeline.redrawing import rollout_slot

INF = float("inf")


class _Draw(dspy.Module):
    """Answers its rollout id; waits at ``barrier`` (if any) so draws must overlap; rollouts
    in ``failing`` raise."""

    def __init__(self, barrier: threading.Barrier | None = None,
                 failing: tuple[int, ...] = ()) -> None:
        super().__init__()
        self.barrier, self.failing = barrier, failing
        self.predict = dspy.Predict("task -> answer")  # never called: it carries the LM
        self.seen_settings: list[object] = []

    def __deepcopy__(self, memo):  # the copies BestOfN makes share the barrier and the log
        copied = _Draw(self.barrier, self.failing)
        copied.seen_settings = self.seen_settings
        return copied

    def forward(self, task: str) -> dspy.Prediction:
        slot = rollout_slot(self)
        self.seen_settings.append(dspy.settings.get("marker"))
        if self.barrier is not None:
            self.barrier.wait(timeout=10)  # BrokenBarrierError if the draws ran one by one
        if slot in self.failing:
            raise RuntimeError(f"rollout {slot} failed")
        return dspy.Prediction(slot=slot, task=task)


def _reward(order: list[int], scores: dict[int, float]):
    def reward(_inputs: dict, prediction: dspy.Prediction) -> float:
        order.append(prediction.slot)
        return scores.get(prediction.slot, 0.0)
    return reward


@pytest.fixture()
def lm():
    with dspy.context(lm=DummyLM([{"answer": "unused"}])):
        yield


def test_every_draw_is_in_flight_at_once_and_rewarded_in_rollout_order(lm):
    order: list[int] = []
    module = _Draw(barrier=threading.Barrier(3))
    sampler = ConcurrentBestOfN(module, N=3, reward_fn=_reward(order, {1: 0.9, 2: 0.9}),
                                threshold=INF, concurrency=3)

    with dspy.context(marker="caller's setting"):
        prediction = sampler(task="t")

    assert order == [0, 1, 2]
    assert prediction.slot == 1  # the first of the best, as dspy.BestOfN picks
    assert module.seen_settings == ["caller's setting"] * 3  # each thread saw DSPy's settings


def test_two_threads_draw_four_rollouts_with_the_result_bestofn_gives(lm):
    scores = {0: 0.2, 1: 0.5, 2: 0.7, 3: 0.1}
    expected_order: list[int] = []
    expected = dspy.BestOfN(_Draw(), N=4, reward_fn=_reward(expected_order, scores),
                            threshold=INF)(task="t")
    order: list[int] = []
    got = ConcurrentBestOfN(_Draw(barrier=threading.Barrier(2)), N=4,
                            reward_fn=_reward(order, scores), threshold=INF,
                            concurrency=2)(task="t")

    assert (got.slot, order) == (expected.slot, expected_order) == (2, [0, 1, 2, 3])


def test_a_reachable_threshold_draws_one_at_a_time_and_stops_at_the_first_that_clears_it(lm):
    order: list[int] = []
    module = _Draw()
    prediction = ConcurrentBestOfN(module, N=4, reward_fn=_reward(order, {1: 1.0}),
                                   threshold=1.0, concurrency=3)(task="t")

    assert prediction.slot == 1
    assert order == [0, 1]
    assert len(module.seen_settings) == 2  # rollouts 2 and 3 were never drawn


def test_a_failed_draw_is_skipped_and_the_others_are_rewarded(lm):
    order: list[int] = []
    prediction = ConcurrentBestOfN(_Draw(failing=(0,)), N=3,
                                   reward_fn=_reward(order, {2: 0.5}), threshold=INF,
                                   concurrency=3)(task="t")

    assert (prediction.slot, order) == (2, [1, 2])


def test_when_every_draw_fails_the_last_failure_is_raised_as_bestofn_does(lm):
    sampler = ConcurrentBestOfN(_Draw(failing=(0, 1, 2, 3)), N=4,
                                reward_fn=_reward([], {}), threshold=INF, concurrency=2)
    with pytest.raises(RuntimeError, match="rollout 3 failed"):
        sampler(task="t")
    with pytest.raises(RuntimeError, match="rollout 3 failed"):
        dspy.BestOfN(_Draw(failing=(0, 1, 2, 3)), N=4, reward_fn=_reward([], {}),
                     threshold=INF)(task="t")


def test_concurrency_below_one_is_refused(lm):
    with pytest.raises(ValueError, match="at least 1"):
        ConcurrentBestOfN(_Draw(), N=2, reward_fn=_reward([], {}), threshold=INF,
                          concurrency=0)


def test_beside_runs_both_at_once_with_the_callers_settings_and_returns_the_first_result():
    barrier, seen = threading.Barrier(2), []

    def first() -> str:
        seen.append(dspy.settings.get("marker"))
        barrier.wait(timeout=10)  # BrokenBarrierError if run one after the other
        return "code"

    with dspy.context(marker="caller's setting"):
        assert beside(first, lambda: barrier.wait(timeout=10), together=True) == "code"
    assert seen == ["caller's setting"]


def test_beside_raises_the_first_ones_error_once_the_second_is_done():
    finished = []

    def first() -> None:
        raise RuntimeError("generate failed")

    with pytest.raises(RuntimeError, match="generate failed"):
        beside(first, lambda: finished.append("tests"), together=True)
    assert finished == ["tests"]


def test_beside_not_together_runs_the_first_then_the_second():
    order: list[str] = []
    result = beside(lambda: order.append("first") or 1, lambda: order.append("second"),
                    together=False)
    assert (result, order) == (1, ["first", "second"])
