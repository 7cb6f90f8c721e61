"""Pick the language model from one string: an embedded local model, a .gguf file, or LiteLLM.

``make_lm(spec)`` understands:

- ``local:qwen2.5-coder-1.5b`` (the default) and ``local:qwen2.5-coder-0.5b``: built-in models
  assembled from PyPI part packages, verified and cached, run in-process by llama.cpp;
- a path to any ``.gguf`` file (optionally prefixed with ``local:``), run the same way;
- anything else is a LiteLLM model string (``openai/gpt-4o-mini``,
  ``ollama_chat/qwen2.5-coder:7b``, ``openai/<name>`` with ``api_base`` for any
  OpenAI-compatible server).

All of them take the same sampling options and return a ``dspy.LM``, so ``dspy.configure``,
``dspy.context``, ``lm.copy(...)``, DSPy's cache, ``lm.history`` and usage tracking work alike.
A remote server that cannot be reached raises ``LMUnavailableError`` naming its URL.

Example:
    >>> import dspy
    >>> from dspy_coder.lm import make_lm
    >>> lm = make_lm("local:qwen2.5-coder-0.5b", max_tokens=256, seed=0)  # doctest: +SKIP
    >>> dspy.configure(lm=lm)  # doctest: +SKIP
    >>> remote = make_lm("openai/local-model", api_base="http://127.0.0.1:8000/v1", api_key="x")
    >>> remote.model
    'openai/local-model'
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any
from urllib.parse import urlparse

import dspy
from dspy.utils.exceptions import LMServerError, LMTimeoutError, LMTransportError

from dspy_coder.errors import LMUnavailableError, UsageError
from dspy_coder.local_models.local_lm import LocalLM, make_local_lm
from dspy_coder.local_models.registry import BUILTIN_MODELS, DEFAULT_MODEL

logger = logging.getLogger(__name__)

DEFAULT_LM = f"local:{DEFAULT_MODEL}"
LOCAL_PREFIX = "local:"

# Where LiteLLM sends a request when no api_base is given (for error messages and probes).
_DEFAULT_URLS = {
    "ollama": "http://localhost:11434",
    "ollama_chat": "http://localhost:11434",
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
    "lm_studio": "http://localhost:1234/v1",
    "hosted_vllm": "http://localhost:8000/v1",
}
# Failures that mean "the server is not there / not answering", after DSPy's own retries.
_UNAVAILABLE = (LMTransportError, LMTimeoutError, LMServerError)


def server_url(model: str, api_base: str | None = None) -> str:
    """The URL a LiteLLM model string talks to (``api_base`` if given, else the provider's)."""
    if api_base:
        return api_base
    provider = model.split("/", 1)[0] if "/" in model else "openai"
    return _DEFAULT_URLS.get(provider, f"the default {provider} endpoint")


class RemoteLM(dspy.LM):
    """A LiteLLM-backed ``dspy.LM`` whose unreachable server raises ``LMUnavailableError``.

    Saved state records a plain ``dspy.LM`` so a saved program loads without trusting this class.
    """

    @property
    def server_url(self) -> str:
        return server_url(self.model, self.kwargs.get("api_base") or self.kwargs.get("base_url"))

    def _unavailable(self, exc: Exception) -> LMUnavailableError:
        return LMUnavailableError(
            f"The LM server for {self.model!r} at {self.server_url} could not be reached or kept "
            f"failing ({type(exc).__name__}: {str(exc).splitlines()[0][:300]}). Start the server, "
            "check the --api-base URL, or choose another model (e.g. local:qwen2.5-coder-1.5b)."
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except _UNAVAILABLE as exc:
            raise self._unavailable(exc) from exc

    async def acall(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().acall(*args, **kwargs)
        except _UNAVAILABLE as exc:
            raise self._unavailable(exc) from exc

    def dump_state(self) -> dict[str, Any]:
        from dspy.clients.base_lm import LM_CLASS_STATE_KEY

        state = super().dump_state()
        state[LM_CLASS_STATE_KEY] = f"{dspy.LM.__module__}.{dspy.LM.__qualname__}"
        return state


def check_reachable(lm: dspy.BaseLM, timeout: float = 3.0) -> None:
    """Fail fast, before a long run, if a remote LM's server does not accept connections.

    Local models need no server (their file was verified when the LM was built); other LMs
    with an http(s) URL get a TCP connect probe. Raises ``LMUnavailableError`` naming the URL.
    """
    if isinstance(lm, LocalLM) or not isinstance(lm, dspy.LM):
        return
    url = server_url(lm.model, lm.kwargs.get("api_base") or lm.kwargs.get("base_url"))
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout):
            pass
    except OSError as exc:
        raise LMUnavailableError(
            f"The LM server for {lm.model!r} at {url} is not reachable ({exc}). Start the server, "
            "check the --api-base URL, or choose another model (e.g. local:qwen2.5-coder-1.5b)."
        ) from exc


def make_lm(
    spec: str = DEFAULT_LM,
    *,
    temperature: float | None = None,
    max_tokens: int | None = None,
    seed: int | None = None,
    api_base: str | None = None,
    api_key: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    **kwargs: Any,
) -> dspy.LM:
    """Build the ``dspy.LM`` named by ``spec`` with the given sampling options.

    Args:
        spec: ``local:<built-in name>``, a path to a ``.gguf`` file, or a LiteLLM model string.
        temperature, max_tokens, seed: sampling options, the same for every kind of model
            (None leaves the default: greedy decoding for local models, the provider's
            default otherwise).
        api_base, api_key: server URL and key for LiteLLM models (refused for local models).
        cache_dir: where built-in models are assembled (default ``~/.cache/dspy-coder/models``).
        **kwargs: passed to ``dspy.LM`` (e.g. ``cache=False``, ``num_retries``) or, for local
            models, ``n_ctx`` / ``n_threads``.

    Raises:
        UsageError: empty spec, unknown built-in name (the message lists the valid names),
            missing .gguf file, or server options given for a local model.
        SetupError: a built-in model's part packages are missing (names the pip command).

    Example:
        >>> make_lm("local:qwen2.5-coder-7b")
        Traceback (most recent call last):
        ...
        dspy_coder.errors.UsageError: Unknown local model 'qwen2.5-coder-7b'. Valid ...
    """
    spec = (spec or "").strip()
    if not spec:
        raise UsageError(f"No model given. Use one of: {', '.join(valid_specs())}")
    local = spec[len(LOCAL_PREFIX) :] if spec.startswith(LOCAL_PREFIX) else None
    if is_local_spec(spec):
        if api_base or api_key:
            raise UsageError(f"api_base/api_key apply to LiteLLM models, not to {spec!r}")
        return make_local_lm(
            local if local is not None else spec,
            temperature=temperature,
            max_tokens=max_tokens,
            seed=seed,
            cache_dir=cache_dir,
            **kwargs,
        )
    options = {"api_base": api_base, "api_key": api_key, "seed": seed}
    options = {key: value for key, value in options.items() if value is not None}
    logger.info("Using LiteLLM model %s at %s", spec, server_url(spec, api_base))
    return RemoteLM(spec, temperature=temperature, max_tokens=max_tokens, **options, **kwargs)


def is_local_spec(spec: str) -> bool:
    """Whether ``spec`` names an in-process llama.cpp model (a built-in or a .gguf file)."""
    spec = (spec or "").strip()
    return spec.startswith(LOCAL_PREFIX) or spec.endswith(".gguf")


def valid_specs() -> list[str]:
    """The built-in model specs, default first."""
    names = [DEFAULT_MODEL] + sorted(n for n in BUILTIN_MODELS if n != DEFAULT_MODEL)
    return [f"{LOCAL_PREFIX}{name}" for name in names] + ["<path>.gguf", "<LiteLLM model string>"]
