"""What a llama.cpp slot keeps of its earlier sequence for a new prompt: whole chunks only, never
the chunk of the prompt's last token (the real logits are compared in test_batching_real.py)."""

from __future__ import annotations

from dspy_coder.local_models.llama_backend import LlamaBackend


class RecordingLib:
    """The llama_cpp calls the backend makes, recorded instead of run."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def llama_memory_seq_rm(self, memory, slot: int, start: int, end: int) -> bool:
        self.calls.append(("seq_rm", slot, start, end))
        return True

    def llama_memory_seq_cp(self, memory, source: int, slot: int, start: int, end: int) -> None:
        self.calls.append(("seq_cp", source, slot, start, end))


def backend_with_chunks(n_batch: int, slots: int = 2) -> LlamaBackend:
    backend = LlamaBackend.__new__(LlamaBackend)  # no model: only the bookkeeping runs
    backend.n_batch, backend.slots, backend._memory = n_batch, slots, None
    backend._lib = RecordingLib()
    backend._held = [[] for _ in range(slots)]
    backend.keep_prefixes = True
    backend.decoded = []
    backend._decode = lambda entries: backend.decoded.append([e[2] for e in entries])
    return backend


def test_a_slot_keeps_whole_chunks_of_a_shared_start_and_evaluates_the_rest_as_fresh():
    backend = backend_with_chunks(n_batch=4)
    first = list(range(100, 111))  # 11 tokens: chunks 0-3, 4-7, 8-10
    backend.evaluate_prompt(0, first)
    assert backend.decoded == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10]]
    assert backend._held[0] == first

    second = first[:10] + [999, 998]  # shares 10 tokens: keeps the two whole chunks (8)
    assert backend.reusable(0, second) == 8 and backend.reusable(1, second) == 0
    backend.decoded.clear()
    assert backend.evaluate_prompt(0, second) == 8
    assert backend._lib.calls[-1] == ("seq_rm", 0, 8, -1)
    assert backend.decoded == [[8, 9, 10, 11]]  # the chunk a fresh evaluation would use
    assert backend._held[0] == second


def test_a_prompt_keeps_the_start_another_slot_holds_by_copying_that_sequence():
    backend = backend_with_chunks(n_batch=4, slots=3)
    first = list(range(100, 111))
    backend.evaluate_prompt(0, first)
    backend.evaluate_prompt(2, [7, 7, 7, 7, 7])
    backend._lib.calls.clear()
    backend.decoded.clear()
    assert backend.evaluate_prompt(1, first[:9] + [5]) == 8
    assert backend._lib.calls == [
        ("seq_rm", 1, -1, -1),
        ("seq_cp", 0, 1, -1, -1),  # llama.cpp copies whole sequences only
        ("seq_rm", 1, 8, -1),
    ]
    assert backend.decoded == [[8, 9]]
    assert backend._held[1] == first[:9] + [5] and backend._held[0] == first
    # a slot's own start is used when it is as long as any other's: no copy
    backend._lib.calls.clear()
    assert backend.evaluate_prompt(0, first[:9] + [6]) == 8
    assert [call[0] for call in backend._lib.calls] == ["seq_rm"]


def test_the_chunk_with_the_last_token_is_always_evaluated():
    backend = backend_with_chunks(n_batch=4)
    backend.evaluate_prompt(0, list(range(8)))
    assert backend.reusable(0, list(range(8))) == 4  # the same prompt: its last chunk again
    assert backend.reusable(0, list(range(5))) == 4
    assert backend.reusable(0, list(range(4))) == 0  # one chunk in all: nothing to keep
    assert backend.reusable(0, [7] + list(range(1, 8))) == 0  # differs at the start


def test_decoded_answer_tokens_count_as_held_and_a_cleared_slot_holds_nothing():
    backend = backend_with_chunks(n_batch=2)
    backend.evaluate_prompt(1, [5, 6, 7])
    backend.decode_step([(1, 8, 3), (0, 1, 0)])
    assert backend._held[1] == [5, 6, 7, 8] and backend._held[0] == [1]
    assert backend.reusable(1, [5, 6, 7, 8, 9]) == 4
    backend.clear(1)
    assert backend._held[1] == [] and backend.reusable(1, [5, 6, 7, 8, 9]) == 0
