"""ProgramOfThought's loop on public DSPy API: its steps, its interpreter and its loop."""

from __future__ import annotations

import dspy
import pytest

from dspy_coder.pipeline.program_of_thought import ProgramOfThoughtLoop
from tests.fakes.executors import FakeInterpreter
from tests.fakes.scripted_lm import scripted_lm


class Recording(FakeInterpreter):
    shut_down = 0

    def shutdown(self) -> None:
        Recording.shut_down += 1


def _loop(factory=Recording, max_iters: int = 3) -> ProgramOfThoughtLoop:
    return ProgramOfThoughtLoop(
        dspy.Signature("question -> answer"), factory, max_iters=max_iters,
        generate_instructions="Write code.", regenerate_instructions="Fix the code.",
    )


def test_the_loop_regenerates_with_the_previous_code_and_error_until_the_check_passes():
    lm = scripted_lm({"generated_code": ["second", "third"]})
    checked = []

    def check(code: str) -> str | None:
        checked.append(code)
        return None if code == "THIRD" else f"{code} failed"

    with dspy.context(lm=lm):
        outcome = _loop().regenerate_until_it_runs(
            {"question": "q"}, "first", "", "first failed", check, str.upper
        )
    assert (outcome.code, outcome.hops, outcome.error) == ("THIRD", 3, None)
    assert outcome.errors == ["first failed", "SECOND failed"]
    assert checked == ["SECOND", "THIRD"]
    prompts = [str(entry["messages"]) for entry in lm.history]
    assert "first failed" in prompts[0] and "SECOND failed" in prompts[1]


def test_the_loop_stops_after_max_iters_programs_with_the_last_error():
    lm = scripted_lm({"generated_code": ["second", "third"]})
    with dspy.context(lm=lm):
        outcome = _loop(max_iters=2).regenerate_until_it_runs(
            {"question": "q"}, "first", "", "first failed", lambda code: f"{code} failed", str
        )
    assert (outcome.code, outcome.hops) == ("second", 2)
    assert outcome.errors == ["first failed", "second failed"]


def test_each_run_gets_its_own_interpreter_and_shuts_it_down_even_after_an_error():
    loop, before = _loop(), Recording.shut_down
    with pytest.raises(RuntimeError), loop.interpreter() as interpreter:
        assert isinstance(interpreter, Recording)
        raise RuntimeError("the run failed")
    assert Recording.shut_down == before + 1


def test_an_interpreter_object_or_a_factory_of_something_else_is_refused():
    with pytest.raises(TypeError, match="zero-argument callable"):
        _loop(FakeInterpreter())
    with pytest.raises(TypeError, match="must return a CodeInterpreter"), _loop(
        lambda: object()
    ).interpreter():
        pass
