"""``LocalLM``: a ``dspy.LM`` served by the in-process llama.cpp engine.

It is an ordinary ``dspy.LM`` (DSPy owns the cache, history, usage, callbacks and copies)
whose engine is a ``LlamaCppEngine``. The one addition: with a ``seed``, ``copy(rollout_id=k)``
derives a distinct seed per rollout, so ``dspy.BestOfN`` / ``dspy.Refine`` draw different
samples at temperature > 0 yet stay reproducible run to run. (The engine never sees
``rollout_id``: DSPy strips it from the request.)

Example:
    >>> import dspy
    >>> from dspy_coder.local_models import make_local_lm
    >>> lm = make_local_lm("qwen2.5-coder-0.5b", max_tokens=64)  # doctest: +SKIP
    >>> with dspy.context(lm=lm):  # doctest: +SKIP
    ...     dspy.Predict("question -> answer")(question="2 + 2?").answer
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dspy

from dspy_coder.errors import UsageError
from dspy_coder.local_models.assembly import ensure_model_file
from dspy_coder.local_models.engine import DEFAULT_N_CTX, LlamaCppEngine
from dspy_coder.local_models.registry import get_spec

_SEED_MODULUS = 2**31 - 1


def rollout_seed(seed: int, rollout_id: int | None) -> int:
    """The seed used for ``rollout_id`` (the base seed itself when there is no rollout)."""
    if rollout_id is None:
        return seed
    return (seed * 1_000_003 + 7919 * (int(rollout_id) + 1)) % _SEED_MODULUS


class LocalLM(dspy.LM):
    """A ``dspy.LM`` whose requests run in-process through llama.cpp."""

    def __init__(self, model: str, *, engine: Any, **kwargs: Any) -> None:
        if not isinstance(engine, LlamaCppEngine):
            raise UsageError("LocalLM needs a LlamaCppEngine; use make_lm() to build one")
        self.base_seed = kwargs.get("seed")
        super().__init__(model, engine=engine, **kwargs)

    def copy(self, **kwargs: Any) -> LocalLM:
        copied = super().copy(**kwargs)
        if "seed" in kwargs:
            copied.base_seed = kwargs["seed"]
        if copied.base_seed is not None and ("seed" in kwargs or "rollout_id" in kwargs):
            copied.kwargs["seed"] = rollout_seed(copied.base_seed, copied.kwargs.get("rollout_id"))
        return copied


def make_local_lm(
    model: str | os.PathLike[str],
    *,
    temperature: float | None = None,
    max_tokens: int | None = None,
    seed: int | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    n_ctx: int = DEFAULT_N_CTX,
    n_threads: int | None = None,
    extra_buffers: bool | None = None,
    reuse_prefix: bool = False,
    stop_runaways: bool = True,
    parallel: int = 1,
    **kwargs: Any,
) -> LocalLM:
    """A LocalLM for a built-in model name (assembled and verified on first use) or a .gguf path.

    The model file is located (and for built-ins assembled/verified) now, so a missing part
    package fails here with a SetupError; the weights load on the first call. ``parallel``
    answers are decoded together when that many threads call at once (``LlamaCppEngine``).
    """
    path_like = Path(model)
    if str(model).endswith(".gguf"):
        if not path_like.is_file():
            raise UsageError(f"GGUF model file not found: {path_like}")
        path, builtin = path_like.resolve(), None
        name = f"gguf/{path}"
    else:
        spec = get_spec(str(model))
        path, builtin = ensure_model_file(spec, cache_dir), spec.name
        name = f"local/{spec.name}"
    engine = LlamaCppEngine(
        path, n_ctx=n_ctx, n_threads=n_threads, builtin=builtin, extra_buffers=extra_buffers,
        reuse_prefix=reuse_prefix, stop_runaways=stop_runaways, parallel=parallel,
    )
    return LocalLM(
        name, engine=engine, temperature=temperature, max_tokens=max_tokens, seed=seed, **kwargs
    )
