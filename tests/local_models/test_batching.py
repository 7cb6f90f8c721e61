"""Continuous batching's bookkeeping over a scripted model: slots, queueing, where answers end,
and errors (the real kernels are checked in test_batching_real.py)."""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dspy_coder.local_models.batching import (
    BatchedGenerator,
    GenerationRequest,
    SamplingOptions,
)
from dspy_coder.local_models.machine_lock import machine_lock, others_waiting

END = 0


class ScriptedBackend:
    """A model whose answer to a prompt is fixed: ``script[prompt[0]]`` token by token (then
    END). Tokens 1-26 read as letters. Records the rows of every evaluation."""

    def __init__(self, script: dict[int, list[int]], slots: int = 3) -> None:
        self.script = script
        self.slots = slots
        self.sequences: dict[int, list[int]] = {}
        self.prompts: dict[int, int] = {}
        self.outputs: list[int] = []
        self.step_rows: list[int] = []
        self.cleared: list[int] = []
        self.held: dict[int, list[int]] = {}  # each slot's prompt (its answer left out)
        self.kept: list[int] = []  # per evaluated prompt, the tokens kept from its slot
        self.fail_on_step: int | None = None
        self.gate: threading.Event | None = None  # when set, steps wait for it
        self.step_seconds = 0.0  # how long each decoding step takes

    CHUNK = 2  # a prompt's tokens are kept from a slot's earlier sequence in chunks of two

    def reusable(self, slot: int, tokens: list[int]) -> int:
        held = self.held.get(slot, [])
        shared = 0
        while shared < min(len(held), len(tokens) - 1) and held[shared] == tokens[shared]:
            shared += 1
        return shared - shared % self.CHUNK

    def evaluate_prompt(self, slot: int, tokens: list[int]) -> int:
        self.kept.append(self.reusable(slot, tokens))  # (the real backend also copies slots)
        self.held[slot] = list(tokens)
        self.sequences[slot] = []
        self.prompts[slot] = tokens[0]
        self.outputs = [slot]
        return self.kept[-1]

    def decode_step(self, entries: list[tuple[int, int, int]]) -> None:
        if self.gate is not None:
            self.gate.wait(5)
        time.sleep(self.step_seconds)
        if self.fail_on_step is not None and len(self.step_rows) == self.fail_on_step:
            self.step_rows.append(len(entries))
            raise RuntimeError("llama_decode returned 1")
        self.step_rows.append(len(entries))
        for slot, token, _position in entries:
            self.sequences[slot].append(token)
        self.outputs = [slot for slot, _, _ in entries]

    def new_sampler(self, options: SamplingOptions, input_ids) -> object:
        return object()

    def sample(self, sampler: object, index: int) -> int:
        slot = self.outputs[index]
        answer = self.script[self.prompts[slot]]
        done = len(self.sequences[slot])
        return answer[done] if done < len(answer) else END

    def free_sampler(self, sampler: object) -> None:
        pass

    def is_end(self, token: int) -> bool:
        return token == END

    def detokenize(self, tokens: list[int], prev_tokens: list[int]) -> bytes:
        return bytes(ord("a") + token - 1 for token in tokens)

    def clear(self, slot: int) -> None:
        self.sequences.pop(slot, None)
        self.held.pop(slot, None)
        self.cleared.append(slot)


def letters(text: str) -> list[int]:
    return [ord(char) - ord("a") + 1 for char in text]


def request(first: int, max_tokens: int = 50, stop: list[bytes] | None = None):
    return GenerationRequest(prompt=[first, 99], max_tokens=max_tokens, stop=stop or [])


def test_concurrent_answers_each_get_their_own_tokens_and_share_steps():
    script = {n: letters(word) for n, word in enumerate(["", "alpha", "be", "gammaray", "delta",
                                                         "epsilon"]) if n}
    backend = ScriptedBackend(script, slots=3)
    backend.gate = threading.Event()
    generator = BatchedGenerator(backend)
    with ThreadPoolExecutor(5) as pool:
        futures = [pool.submit(generator.generate, request(n)) for n in range(1, 6)]
        backend.gate.set()
        results = [future.result(10) for future in futures]
    assert [r.text for r in results] == ["alpha", "be", "gammaray", "delta", "epsilon"]
    assert [r.completion_tokens for r in results] == [5, 2, 8, 5, 7]
    assert {r.finish_reason for r in results} == {"stop"}
    assert generator.peak_active == 3  # five callers, three slots
    assert max(backend.step_rows) == 3  # steps were shared
    assert backend.cleared == []  # a slot keeps its sequence for a later prompt that shares it
    assert sorted(backend.held) == [0, 1, 2] and generator._free != []


def test_a_prompt_goes_to_the_free_slot_that_holds_its_start_else_the_least_recently_used():
    script = {1: letters("ab"), 2: letters("cd"), 3: letters("ef"), 4: letters("gh")}
    backend = ScriptedBackend(script, slots=3)
    generator = BatchedGenerator(backend)
    long_prompt = [2, 50, 51, 52, 53]
    for prompt in ([1, 40], long_prompt, [3, 60]):  # one at a time: slots 0, 1, 2
        generator.generate(GenerationRequest(prompt=prompt, max_tokens=5))
    assert backend.held == {0: [1, 40], 1: long_prompt, 2: [3, 60]}
    # the same start as slot 1's sequence, which is not the least recently used
    result = generator.generate(GenerationRequest(prompt=[2, 50, 51, 52, 99], max_tokens=5))
    assert result.text == "cd"
    assert backend.held[1] == [2, 50, 51, 52, 99] and backend.kept[-1] == 4
    # nothing shared: the least recently used slot, 0 and then 2 (not 0, the lowest, again)
    generator.generate(GenerationRequest(prompt=[4, 70], max_tokens=5))
    assert backend.held[0] == [4, 70] and backend.kept[-1] == 0
    generator.generate(GenerationRequest(prompt=[1, 80], max_tokens=5))
    assert backend.held[2] == [1, 80] and backend.held[0] == [4, 70]
    assert generator.prompt_tokens == 2 + 5 + 2 + 5 + 2 + 2
    assert generator.reused_prompt_tokens == 4


def test_an_answer_ends_at_its_token_budget_or_at_a_stop_string():
    backend = ScriptedBackend({1: letters("abcdefgh"), 2: letters("xxstopyy")})
    generator = BatchedGenerator(backend)
    cut = generator.generate(request(1, max_tokens=3))
    assert (cut.text, cut.completion_tokens, cut.finish_reason) == ("abc", 3, "length")
    stopped = generator.generate(request(2, stop=[b"stop"]))
    assert (stopped.text, stopped.finish_reason) == ("xx", "stop")


def test_a_failed_step_fails_its_callers_and_the_generator_goes_on():
    backend = ScriptedBackend({1: letters("abcdef"), 2: letters("xy")})
    backend.fail_on_step = 1
    generator = BatchedGenerator(backend)
    with pytest.raises(RuntimeError, match="llama_decode returned 1"):
        generator.generate(request(1))
    assert backend.sequences == {} and backend.cleared == [0]  # its slot was cleared
    assert generator.generate(request(2)).text == "xy"


def _recording_guard(held: list[str]):
    @contextlib.contextmanager
    def guard():
        assert held.count("enter") == held.count("exit"), "guard entered twice at once"
        held.append("enter")
        yield
        held.append("exit")

    return guard


def _wait_until_released(held: list[str]) -> None:
    for _ in range(100):  # the worker releases it once it finds nothing more to do
        if held and held[-1] == "exit":
            return
        threading.Event().wait(0.01)


def test_the_busy_guard_is_held_while_answers_are_in_flight_and_released_when_idle():
    held: list[str] = []
    backend = ScriptedBackend({1: letters("abc")})
    generator = BatchedGenerator(backend, busy_guard=_recording_guard(held))
    assert generator.generate(request(1)).text == "abc"
    _wait_until_released(held)
    assert held == ["enter", "exit"]


def test_the_guard_is_given_up_between_steps_only_when_someone_waits_after_a_turn():
    """Nobody waiting: one turn for the whole answer, however long. Someone waiting: a turn
    per step once the turn length is 0 (the rounds: the prompt with the first step, b, c)."""
    for waiting, turn_seconds, turns in ((False, 0.0, 1), (True, 60.0, 1), (True, 0.0, 3)):
        held: list[str] = []
        generator = BatchedGenerator(
            ScriptedBackend({1: letters("abc")}), busy_guard=_recording_guard(held),
            others_waiting=lambda waiting=waiting: waiting, turn_seconds=turn_seconds,
        )
        assert generator.generate(request(1)).text == "abc"
        _wait_until_released(held)
        assert held == ["enter", "exit"] * turns, (waiting, turn_seconds)


def _take_machine_lock(path: str, got_in: multiprocessing.Queue) -> None:
    with machine_lock(Path(path)):
        got_in.put(time.monotonic())
        time.sleep(0.2)  # a call of its own


def test_a_waiting_process_gets_the_machine_while_an_answer_is_in_flight(tmp_path):
    """Another dspy-coder process (a `solve` beside a `bench`) takes its turn between decoding
    steps instead of waiting until no answer is in flight, which a busy bench never reaches;
    then the answer goes on."""
    path = tmp_path / "llama.lock"
    backend = ScriptedBackend({1: letters("abcdefghijklmnopqrst")})
    backend.step_seconds = 0.05  # 20 tokens: about a second in flight
    generator = BatchedGenerator(
        backend, busy_guard=lambda: machine_lock(path),
        others_waiting=lambda: others_waiting(path), turn_seconds=0.1,
    )
    finished = []
    answer = threading.Thread(
        target=lambda: finished.append((generator.generate(request(1)), time.monotonic()))
    )
    answer.start()
    while not backend.step_rows:  # decoding has begun
        time.sleep(0.005)
    context = multiprocessing.get_context("fork")
    got_in: multiprocessing.Queue = context.Queue()
    other = context.Process(target=_take_machine_lock, args=(str(path), got_in))
    other.start()
    other_got_in = got_in.get(timeout=10)
    other.join(timeout=10)
    answer.join(timeout=10)
    result, answer_finished = finished[0]
    assert result.text == "abcdefghijklmnopqrst"
    assert other_got_in < answer_finished - 0.3
