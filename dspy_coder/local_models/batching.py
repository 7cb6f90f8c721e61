"""Continuous batching: several answers decoded together on one llama.cpp model.

On this kind of machine (two cores, no GPU) a decoding step is bound by reading the weights,
not by arithmetic, so one step that extends four answers costs little more than a step that
extends one: measured with the 1.5B model, 13 tokens/s for one answer, 28 for four together.
``BatchedGenerator`` lets concurrent callers (``bench --workers N``) share that: each request
gets a slot (its own sequence in the model's memory), a worker thread evaluates new prompts and
then advances every active answer by one token per step. Each answer keeps its own sampler
chain and stopping rules, built as llama-cpp-python builds them for a single call, so an answer
does not depend on which other answers shared its steps (``tests/local_models``). A finished
answer's slot keeps its sequence, and a new prompt goes to the free slot holding most of its
start (else the least recently used), so the backend can keep that start instead of
evaluating it again (``llama_backend``: only where the numbers stay a fresh evaluation's).

The model side is a ``DecodingBackend`` (``llama_backend.LlamaBackend`` for llama.cpp, a
scripted fake in the tests); this module owns the slots, the queue and when an answer ends.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

logger = logging.getLogger(__name__)

# How long a batch keeps the machine before giving a waiting process its turn: about one
# single call of the embedded models, so neither side waits much longer than a call.
TURN_SECONDS = 15.0


@dataclass(frozen=True)
class SamplingOptions:
    """One answer's sampling settings (``Llama.create_chat_completion``'s defaults where unset)."""

    temperature: float = 0.0
    top_k: int = 40
    top_p: float = 0.95
    min_p: float = 0.05
    typical_p: float = 1.0
    repeat_penalty: float = 1.0
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    seed: int = 0
    grammar: Any = None  # a llama_cpp LlamaGrammar, or None
    logits_processor: Callable[[Any, Any], Any] | None = None


@dataclass
class GenerationRequest:
    """A prompt already tokenized, and when its answer ends."""

    prompt: list[int]
    max_tokens: int
    options: SamplingOptions = field(default_factory=SamplingOptions)
    stop: list[bytes] = field(default_factory=list)


@dataclass
class GenerationResult:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # "stop" or "length"


class DecodingBackend(Protocol):
    """What the generator needs from a model with ``slots`` independent sequences."""

    slots: int

    def reusable(self, slot: int, tokens: list[int]) -> int:
        """How many of ``tokens``' first positions ``slot`` already holds and would keep."""

    def evaluate_prompt(self, slot: int, tokens: list[int]) -> int:
        """Make ``tokens`` ``slot``'s sequence, the last one's logits ready, and return how many
        were kept from what some slot held instead of evaluated: only as many as give the
        numbers a fresh evaluation gives."""

    def decode_step(self, entries: list[tuple[int, int, int]]) -> None:
        """Evaluate one token per entry ``(slot, token, position)``; entry i's logits are
        sampled with index i."""

    def new_sampler(self, options: SamplingOptions, input_ids: Callable[[], Any]) -> Any:
        """A sampler chain for one answer; ``input_ids()`` gives prompt plus answer so far."""

    def sample(self, sampler: Any, index: int) -> int:
        """Draw a token from output ``index`` of the last evaluation (-1: the last output)."""

    def free_sampler(self, sampler: Any) -> None: ...

    def is_end(self, token: int) -> bool:
        """Whether ``token`` ends a generation (end of text, end of turn)."""

    def detokenize(self, tokens: list[int], prev_tokens: list[int]) -> bytes: ...

    def clear(self, slot: int) -> None:
        """Forget ``slot``'s sequence (after a failure: it may hold what it should not)."""


class _Generation:
    """One answer in flight: its slot, tokens, and the rules that end it (as
    ``Llama._create_completion`` applies them to a single call)."""

    def __init__(self, request: GenerationRequest, backend: DecodingBackend) -> None:
        self.request = request
        self.backend = backend
        self.completion: list[int] = []
        self.slot = -1
        self.sampler: Any = None
        self.result: GenerationResult | None = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self._multibyte_fix = 0

    def input_ids(self) -> Any:
        import numpy as np

        return np.array(self.request.prompt + self.completion, dtype=np.intc)

    @property
    def position(self) -> int:
        """Where the last sampled token goes in the sequence."""
        return len(self.request.prompt) + len(self.completion) - 1

    def accept(self, token: int) -> bool:
        """Take a sampled token; True once the answer has ended."""
        prompt = self.request.prompt
        if self.backend.is_end(token):
            return self._finish(self.backend.detokenize(self.completion, prompt), "stop")
        self.completion.append(token)
        text = self.backend.detokenize(self.completion, prompt)
        # Hold the stop checks while the text ends inside a multi-byte character.
        for k, char in enumerate(text[-3:]):
            k = 3 - k
            for num, pattern in ((2, 192), (3, 224), (4, 240)):
                if num > k and pattern & char == pattern:
                    self._multibyte_fix = num - k
        if self._multibyte_fix > 0:
            self._multibyte_fix -= 1
            return False
        stops = [stop for stop in self.request.stop if stop in text]
        if stops:
            return self._finish(text[: text.index(stops[0])], "stop")
        if len(self.completion) >= self.request.max_tokens:
            return self._finish(text, "length")
        return False

    def _finish(self, text: bytes, reason: str) -> bool:
        self.result = GenerationResult(
            text=text.decode("utf-8", errors="ignore"),
            prompt_tokens=len(self.request.prompt),
            completion_tokens=len(self.completion),
            finish_reason=reason,
        )
        return True


class BatchedGenerator:
    """Answers requests from many threads, decoding up to ``backend.slots`` of them together.

    Args:
        backend: the model with its slots.
        step_guard: held around each model evaluation (the shared model's lock).
        busy_guard: a context manager factory held while answers are in flight (the
            machine-wide lock, so other dspy-coder processes wait for a turn, not a token).
        others_waiting: whether someone else waits for ``busy_guard``; after holding it for
            ``turn_seconds`` the generator then lets it go between two steps (the answers in
            flight wait) and queues for it again. Without that a benchmark that kept sending
            requests held it for as long as the benchmark ran; giving it up after every step
            instead left the benchmark one token per call of the other process.
        turn_seconds: the shortest hold before giving a turn, about one call's length.
    """

    def __init__(
        self,
        backend: DecodingBackend,
        *,
        step_guard: threading.Lock | None = None,
        busy_guard: Callable[[], contextlib.AbstractContextManager[Any]] | None = None,
        others_waiting: Callable[[], bool] | None = None,
        turn_seconds: float = TURN_SECONDS,
    ) -> None:
        self.backend = backend
        self._step_guard = step_guard or threading.Lock()
        self._busy_guard = busy_guard or contextlib.nullcontext
        self._others_waiting = others_waiting or (lambda: False)
        self._turn_seconds = turn_seconds
        self._queue: deque[_Generation] = deque()
        self._active: list[_Generation] = []
        self._free = list(range(backend.slots))  # least recently used first
        self._cond = threading.Condition()
        self._worker: threading.Thread | None = None
        self.peak_active = 0  # the most answers decoded together so far
        self.prompt_tokens = 0  # of every prompt admitted so far
        self.reused_prompt_tokens = 0  # of those, kept from a slot's earlier sequence

    def generate(self, request: GenerationRequest) -> GenerationResult:
        """Queue ``request`` and wait for its answer (errors are raised in the caller)."""
        generation = _Generation(request, self.backend)
        with self._cond:
            self._queue.append(generation)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._run, name="llama-batch", daemon=True
                )
                self._worker.start()
            self._cond.notify()
        generation.done.wait()
        if generation.error is not None:
            raise generation.error
        assert generation.result is not None
        return generation.result

    def _run(self) -> None:
        busy: contextlib.ExitStack | None = None
        turn_began = 0.0
        while True:
            with self._cond:
                while not self._queue and not self._active:
                    if busy is not None:
                        busy.close()
                        busy = None
                    self._cond.wait()
                admitted = []
                while self._queue and len(admitted) < len(self._free):
                    admitted.append(self._queue.popleft())
            if busy is not None and self._turn_is_over(turn_began):
                busy.close()  # between two steps: the answers in flight wait for our next turn
                busy = None
            if busy is None:
                busy = contextlib.ExitStack()
                busy.enter_context(self._busy_guard())
                turn_began = time.monotonic()
            for generation in admitted:  # one by one: a prompt can keep the one before it
                with self._cond:
                    generation.slot = self._take_slot(generation.request.prompt)
                self._admit(generation)
            if self._active:
                self._step()

    def _take_slot(self, prompt: list[int]) -> int:
        """The free slot that holds most of ``prompt`` already, else the least recently used
        (so a slot's sequence waits as long as it can for the next prompt that shares it)."""
        reusable = [self.backend.reusable(slot, prompt) for slot in self._free]
        return self._free.pop(reusable.index(max(reusable)))

    def _turn_is_over(self, turn_began: float) -> bool:
        return time.monotonic() - turn_began >= self._turn_seconds and self._others_waiting()

    def _admit(self, generation: _Generation) -> None:
        """Evaluate the prompt and draw the first token."""
        try:
            generation.sampler = self.backend.new_sampler(
                generation.request.options, generation.input_ids
            )
            prompt = generation.request.prompt
            with self._step_guard:
                kept = self.backend.evaluate_prompt(generation.slot, prompt)
                token = self.backend.sample(generation.sampler, -1)
            self.prompt_tokens += len(prompt)
            self.reused_prompt_tokens += kept
            logger.debug("slot %d kept %d of a %d-token prompt (%d of %d kept so far)",
                         generation.slot, kept, len(prompt), self.reused_prompt_tokens,
                         self.prompt_tokens)
            if generation.accept(token):
                self._release(generation)
            else:
                self._active.append(generation)
                self.peak_active = max(self.peak_active, len(self._active))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            generation.error = exc
            self._release(generation)

    def _step(self) -> None:
        """Advance every active answer by one token."""
        active = list(self._active)
        entries = [(g.slot, g.completion[-1], g.position) for g in active]
        try:
            with self._step_guard:
                self.backend.decode_step(entries)
                tokens = [self.backend.sample(g.sampler, i) for i, g in enumerate(active)]
        except BaseException as exc:  # noqa: BLE001 - every answer of the step fails
            for generation in active:
                generation.error = exc
                self._active.remove(generation)
                self._release(generation)
            return
        for generation, token in zip(active, tokens, strict=True):
            if generation.accept(token):
                self._active.remove(generation)
                self._release(generation)

    def _release(self, generation: _Generation) -> None:
        """Free the answer's slot; its sequence stays for a later prompt that shares it, unless
        the answer failed."""
        try:
            if generation.sampler is not None:
                self.backend.free_sampler(generation.sampler)
            if generation.error is not None:
                self.backend.clear(generation.slot)
        except Exception:  # noqa: BLE001 - the answer is complete; a leak is only logged
            logger.exception("Could not free llama.cpp slot %d", generation.slot)
        with self._cond:
            self._free.append(generation.slot)
        generation.done.set()
