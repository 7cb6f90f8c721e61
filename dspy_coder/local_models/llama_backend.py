"""The llama.cpp side of continuous batching: one context with a sequence per slot.

The context is a second one on the already loaded model (no second copy of the weights), with
the loaded ``Llama``'s settings, ``slots`` sequences and ``slots`` times its context size, so
each sequence has the window a single call has. Prompts are evaluated in the same chunks
``Llama.eval`` uses and samplers are built as ``Llama._init_sampler`` builds them, so a greedy
or seeded answer is the one a single ``create_chat_completion`` call gives.

A slot keeps its sequence after its answer ends. A later prompt that starts with the same
tokens as any slot's sequence (another slot's is copied over, even while it is decoding) keeps
them in whole ``n_batch`` chunks from the start (never the chunk that holds the prompt's last
token) and evaluates only the rest, in the chunks a fresh evaluation would use:
the logits come out bit for bit as a fresh evaluation's (measured on both embedded models,
``tests/local_models/test_batching_real.py``), while llama.cpp's own prefix reuse, which keeps
any prefix and re-evaluates the last token alone, changed greedy answers. A shared start
shorter than one chunk is evaluated again.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from dspy_coder.local_models.batching import SamplingOptions

logger = logging.getLogger(__name__)


class LlamaBackend:
    """``DecodingBackend`` over a loaded ``llama_cpp.Llama``."""

    def __init__(self, llama: Any, slots: int, keep_prefixes: bool = True) -> None:
        """``keep_prefixes=False`` evaluates every prompt whole (for measuring what keeping
        saves: ``benchmarks/prefix_reuse.py``)."""
        import llama_cpp

        self._lib = llama_cpp
        self.llama = llama
        self.slots = slots
        params = type(llama.context_params).from_buffer_copy(llama.context_params)
        params.n_ctx = llama.n_ctx() * slots
        params.n_seq_max = slots
        self.n_batch = int(params.n_batch)
        self.ctx = llama_cpp.llama_init_from_model(llama._model.model, params)
        if not self.ctx:
            raise RuntimeError(f"llama.cpp could not create a context with {slots} sequences")
        self._memory = llama_cpp.llama_get_memory(self.ctx)
        self._batch = llama_cpp.llama_batch_init(max(self.n_batch, slots), 0, 1)
        self._handle = SimpleNamespace(ctx=self.ctx)  # what LlamaSampler.sample reads
        self._held: list[list[int]] = [[] for _ in range(slots)]  # each slot's sequence
        self.keep_prefixes = keep_prefixes

    def close(self) -> None:
        if self.ctx:
            self._lib.llama_batch_free(self._batch)
            self._lib.llama_free(self.ctx)
            self.ctx = None

    def _decode(self, entries: list[tuple[int, int, int, bool]]) -> None:
        batch = self._batch
        batch.n_tokens = len(entries)
        for i, (slot, token, position, wants_logits) in enumerate(entries):
            batch.token[i] = token
            batch.pos[i] = position
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = slot
            batch.logits[i] = wants_logits
        code = self._lib.llama_decode(self.ctx, batch)
        if code != 0:
            raise RuntimeError(f"llama_decode returned {code}")

    def reusable(self, slot: int, tokens: list[int]) -> int:
        """How many of ``tokens``' first positions ``slot`` holds in whole chunks before the
        chunk of the last token: what ``evaluate_prompt`` keeps (see the module docstring)."""
        held = self._held[slot] if self.keep_prefixes else []
        limit = min(len(held), len(tokens) - 1)
        shared = 0
        while shared < limit and held[shared] == tokens[shared]:
            shared += 1
        return shared - shared % self.n_batch

    def evaluate_prompt(self, slot: int, tokens: list[int]) -> int:
        """Evaluate ``tokens`` as ``slot``'s sequence, keeping the longest whole-chunk start
        any slot holds (another slot's sequence is copied over first); returns the tokens
        kept."""
        reusable = [self.reusable(other, tokens) for other in range(self.slots)]
        keep = max(reusable)
        if reusable[slot] < keep:  # another slot holds more of it
            source = reusable.index(keep)
            self._lib.llama_memory_seq_rm(self._memory, slot, -1, -1)
            # llama.cpp copies whole sequences only; the tail goes below
            self._lib.llama_memory_seq_cp(self._memory, source, slot, -1, -1)
            self._held[slot] = list(self._held[source])
        self._lib.llama_memory_seq_rm(self._memory, slot, keep, -1)
        self._held[slot] = tokens[:keep]
        for start in range(keep, len(tokens), self.n_batch):
            chunk = tokens[start : start + self.n_batch]
            last = len(chunk) - 1
            self._decode(
                [(slot, token, start + i, i == last) for i, token in enumerate(chunk)]
            )
        self._held[slot] = list(tokens)
        return keep

    def decode_step(self, entries: list[tuple[int, int, int]]) -> None:
        for slot, _token, position in entries:
            del self._held[slot][position:]  # a failed step leaves no token it may not hold
        self._decode([(slot, token, position, True) for slot, token, position in entries])
        for slot, token, _position in entries:
            self._held[slot].append(token)

    def new_sampler(self, options: SamplingOptions, input_ids: Callable[[], Any]) -> Any:
        from llama_cpp._internals import LlamaSampler

        llama = self.llama
        sampler = LlamaSampler()
        if options.logits_processor is not None:
            sampler.add_custom(_custom_apply(options.logits_processor, input_ids))
        sampler.add_penalties(
            n_vocab=llama.n_vocab(),
            penalty_last_n=llama.last_n_tokens_size,
            penalty_repeat=options.repeat_penalty,
            penalty_freq=options.frequency_penalty,
            penalty_present=options.presence_penalty,
        )
        if options.grammar is not None:
            sampler.add_grammar(llama._model, options.grammar)
        if options.temperature < 0.0:
            sampler.add_dist(options.seed)
        elif options.temperature == 0.0:
            sampler.add_greedy()
        else:
            sampler.add_top_k(options.top_k)
            sampler.add_typical(options.typical_p, 1)
            sampler.add_top_p(options.top_p, 1)
            sampler.add_min_p(options.min_p, 1)
            sampler.add_temp(options.temperature)
            sampler.add_dist(options.seed)
        return sampler

    def sample(self, sampler: Any, index: int) -> int:
        return int(sampler.sample(self._handle, index))

    def free_sampler(self, sampler: Any) -> None:
        sampler.close()

    def is_end(self, token: int) -> bool:
        return bool(self._lib.llama_vocab_is_eog(self.llama._model.vocab, token))

    def detokenize(self, tokens: list[int], prev_tokens: list[int]) -> bytes:
        return self.llama.detokenize(tokens, prev_tokens=prev_tokens)

    def clear(self, slot: int) -> None:
        self._lib.llama_memory_seq_rm(self._memory, slot, -1, -1)
        self._held[slot] = []


def _custom_apply(processor: Callable[[Any, Any], Any], input_ids: Callable[[], Any]):
    """A custom sampler stage running ``processor(input_ids, logits)`` over the candidates, as
    ``Llama._init_sampler`` wraps a logits processor."""
    import llama_cpp
    import numpy as np

    dtype = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)

    def apply(token_data_array: Any) -> None:
        size = token_data_array.contents.size
        address = ctypes.addressof(token_data_array.contents.data.contents)
        records = np.recarray(
            shape=(size,), dtype=dtype,
            buf=(llama_cpp.llama_token_data * size).from_address(address),
        )
        records.logit[:] = processor(input_ids(), records.logit)

    return apply
