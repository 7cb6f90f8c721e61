"""Stop a local model's answer once it repeats one line pattern: a runaway.

Greedy decoding makes the 1.5B loop: a test answer of forty ``assert encode_cyclic("abc...")
== "bca"`` lines, each one letter longer, or a parametrize table whose rows count up to the
token budget (14 of the first 37 stripped-HumanEval test answers ran to their 700-token cap
this way). Everything after the first few such lines is wasted time, and the parsers already
keep an answer's complete lines. ``RunawayStop`` is a llama.cpp logits processor that, once the
last ``RUNAWAY_LINES`` lines have one shape and are all the same or each longer than the one
before, makes end-of-text the only choice. Until then it changes nothing.

Example:
    >>> is_runaway([f'assert f("{"a" * n}") == 1' for n in range(1, 9)])
    True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

RUNAWAY_LINES = 8  # the complete lines a pattern must fill before the answer is stopped

_STRING = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?")
_RUN = re.compile(r"(?:([S#]), )+\1")


def line_shape(line: str) -> str:
    """``line`` with strings as ``S``, numbers as ``#`` and runs of either (``1, 2, 3``) as one."""
    shape = _NUMBER.sub("#", _STRING.sub("S", line.strip()))
    return _RUN.sub(r"\1", shape)


def is_runaway(lines: Sequence[str], count: int = RUNAWAY_LINES) -> bool:
    """The last ``count`` lines are non-blank, of one shape, and either all the same or each
    longer than the one before."""
    if len(lines) < count:
        return False
    last = list(lines[-count:])
    if any(not line.strip() for line in last):
        return False
    if len({line_shape(line) for line in last}) != 1:
        return False
    same = len(set(last)) == 1
    growing = all(len(b) > len(a) for a, b in zip(last, last[1:], strict=False))
    return same or growing


class RunawayStop:
    """A llama.cpp logits processor: end-of-text is forced once the answer is a runaway.

    Args:
        detokenize: token ids -> bytes (``Llama.detokenize``).
        end_of_text: the end-of-text token id (``Llama.token_eos()``).
        count: the lines a pattern must fill (``RUNAWAY_LINES``).
    """

    def __init__(self, detokenize: Callable[[list[int]], bytes], end_of_text: int,
                 count: int = RUNAWAY_LINES) -> None:
        self._detokenize = detokenize
        self._end_of_text = end_of_text
        self._count = count
        self._prompt: int | None = None  # the prompt's tokens (the first call sees it alone)
        self._seen = 0  # tokens read so far, prompt included
        self._answer = b""
        self.stopped_after: int | None = None  # answer tokens when it was stopped

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if self._prompt is None:
            self._prompt = self._seen = len(input_ids)
        new = [int(token) for token in input_ids[self._seen:]]
        self._seen = len(input_ids)
        if new and self.stopped_after is None:
            piece = self._detokenize(new)
            self._answer += piece
            if b"\n" in piece:
                lines = self._answer.decode("utf-8", errors="ignore").split("\n")[:-1]
                if is_runaway(lines, self._count):
                    self.stopped_after = self._seen - self._prompt
        if self.stopped_after is not None:
            scores[:] = -float("inf")
            scores[self._end_of_text] = 0.0
        return scores
